package auth

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func argonKey(pw, salt string, time, memory uint32, threads uint8) []byte {
	return argon2.IDKey([]byte(pw), []byte(salt), time, memory, threads, argonKeyLen)
}

func TestHashAndVerify(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	ok, err := VerifyPassword(h, "correct horse battery staple")
	if err != nil || !ok {
		t.Fatalf("right password: ok=%v err=%v", ok, err)
	}
	ok, err = VerifyPassword(h, "Correct horse battery staple")
	if err != nil || ok {
		t.Fatalf("wrong password: ok=%v err=%v", ok, err)
	}
	if NeedsRehash(h) {
		t.Fatal("fresh hash needs rehash")
	}
}

func TestSaltIsRandom(t *testing.T) {
	a, _ := HashPassword("pw")
	b, _ := HashPassword("pw")
	if a == b {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestVerifyReadsParametersFromHash(t *testing.T) {
	// A hash made with other (cheaper) parameters still verifies, and is flagged for rehash.
	h := "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" // key filled below
	key := b64.EncodeToString(argonKey("pw", "somesaltsomesalt", 1, 1024, 1))
	h += key
	ok, err := VerifyPassword(h, "pw")
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	if !NeedsRehash(h) {
		t.Fatal("old parameters should need rehash")
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	good, _ := HashPassword("pw")
	parts := strings.Split(good, "$")
	for name, enc := range map[string]string{
		"empty":         "",
		"bcrypt":        "$2a$10$abcdefghijklmnopqrstuv",
		"argon2i":       strings.Replace(good, "argon2id", "argon2i", 1),
		"version":       strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":   strings.Replace(good, "m=65536", "m=99999999", 1),
		"zero time":     strings.Replace(good, "t=3", "t=0", 1),
		"bad salt":      strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short key":     strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"missing parts": strings.Join(parts[:5], "$"),
	} {
		ok, err := VerifyPassword(enc, "pw")
		if ok || !errors.Is(err, ErrInvalidHash) {
			t.Errorf("%s: ok=%v err=%v, want ErrInvalidHash", name, ok, err)
		}
	}
}
