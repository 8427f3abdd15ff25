package seed_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/seed"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
	"github.com/varco-anpr/varco/rbac"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDemo(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		az, err := rbac.New(ctx, db)
		must(t, err)
		now := time.Date(2025, 5, 31, 23, 30, 0, 0, time.UTC) // already 1 June in Rome
		opts := seed.DemoOptions{Password: "demo-pw", TokenURL: "http://127.0.0.1:1/token", Now: func() time.Time { return now }}

		created, err := seed.Demo(ctx, db, az, opts)
		must(t, err)
		if !created {
			t.Fatal("first call created nothing")
		}
		checkComune(t, db)
		checkConvenzione(t, db)
		users := checkUsers(t, db)

		// The grants are live in the Authorizer passed in.
		if got := az.Roles(users[seed.DemoTop], seed.DemoComune); !slices.Equal(got, []string{"TOP"}) {
			t.Errorf("demo-top roles %v", got)
		}
		if got := az.Roles(users[seed.DemoAdmin], seed.DemoComune); !slices.Equal(got, []string{"ADMIN"}) {
			t.Errorf("demo-admin roles %v", got)
		}
		for _, s := range seed.DemoServices {
			d, err := az.AuthorizeQuery(ctx, users[seed.DemoOperatore], seed.DemoComune, s, now)
			must(t, err)
			if !d.Allowed {
				t.Errorf("demo-operatore denied %s: %+v", s, d)
			}
		}
		d, err := az.AuthorizeQuery(ctx, users[seed.DemoOperatore], seed.DemoComune, "C020", now.Add(-24*time.Hour))
		must(t, err)
		if d.Reason != rbac.ReasonConvenzioneNotValid {
			t.Errorf("the day before: %+v", d)
		}

		// Second call: nothing new.
		created, err = seed.Demo(ctx, db, az, opts)
		must(t, err)
		if created {
			t.Fatal("second call created again")
		}
		n, err := db.NewSelect().Model((*store.User)(nil)).Count(ctx)
		must(t, err)
		if n != 3 {
			t.Fatalf("users after second call: %d", n)
		}
	})
}

func checkComune(t *testing.T, db *store.DB) {
	t.Helper()
	c, err := store.GetComune(context.Background(), db.DB, seed.DemoComune)
	must(t, err)
	if c.Name != "Roma" || c.IstatCode != "058091" || c.Environment != store.EnvSimulator ||
		c.OperatorMode != store.OperatorEndUser || c.TokenURL != "http://127.0.0.1:1/token" || c.PDNDKid == "" {
		t.Errorf("comune %+v", c)
	}
	if _, err := uuid.Parse(c.PDNDClientID); err != nil {
		t.Errorf("client id %q: %v", c.PDNDClientID, err)
	}
	if len(c.PurposeIDs) != len(catalogue.All()) {
		t.Errorf("purpose ids %v", c.PurposeIDs)
	}
	for _, s := range seed.DemoServices {
		if _, err := uuid.Parse(c.PurposeIDs[s]); err != nil {
			t.Errorf("purpose id of %s: %v", s, err)
		}
	}
	block, _ := pem.Decode([]byte(c.PrivateKeyPEM))
	if block == nil {
		t.Fatal("private key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	must(t, err)
	if rk, ok := key.(*rsa.PrivateKey); !ok || rk.N.BitLen() != 2048 {
		t.Errorf("key is not RSA 2048")
	}
}

func checkConvenzione(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	var enti []store.Ente
	must(t, db.NewSelect().Model(&enti).Scan(ctx))
	if len(enti) != 1 || enti[0].Name != seed.DemoEnteName {
		t.Fatalf("enti %+v", enti)
	}
	convs, err := store.ConvenzioniOf(ctx, db.DB, seed.DemoComune, enti[0].ID)
	must(t, err)
	if len(convs) != 1 {
		t.Fatalf("convenzioni %+v", convs)
	}
	c := convs[0]
	if !slices.Equal(c.Services, seed.DemoServices) || c.DailyQuota != 1000 || !c.ValidTo.IsZero() ||
		!c.ValidFrom.Equal(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("convenzione %+v", c)
	}
}

func checkUsers(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	ids := map[string]int64{}
	for _, name := range []string{seed.DemoTop, seed.DemoAdmin, seed.DemoOperatore} {
		u, err := store.GetUserByUsername(ctx, db.DB, name)
		must(t, err)
		ok, err := auth.VerifyPassword(u.PasswordHash, "demo-pw")
		if err != nil || !ok || !u.Active {
			t.Errorf("%s: password ok=%v err=%v active=%v", name, ok, err, u.Active)
		}
		ids[name] = u.ID
	}
	grants, err := store.GrantsOfUser(ctx, db.DB, ids[seed.DemoOperatore])
	must(t, err)
	if len(grants) != 1 || !slices.Equal(grants[0].Services, seed.DemoServices) {
		t.Errorf("operatore grants %+v", grants)
	}
	return ids
}

func TestDemoSkipsWhenAComuneExists(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	must(t, store.CreateComune(ctx, db.DB, &store.Comune{Code: "F205", IstatCode: "015146", Name: "Milano",
		Environment: store.EnvCollaudo, OperatorMode: store.OperatorComuneOperator}))
	az, err := rbac.New(ctx, db)
	must(t, err)
	created, err := seed.Demo(ctx, db, az, seed.DemoOptions{Password: "x"})
	must(t, err)
	if created {
		t.Fatal("seeded although a Comune exists")
	}
	if _, err := seed.Demo(ctx, db, az, seed.DemoOptions{}); err == nil {
		t.Fatal("empty password accepted")
	}
}
