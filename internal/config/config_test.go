package config

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, func(k string) string { return env[k] })
}

func TestLoadPrecedence(t *testing.T) {
	cfg, err := load(t, map[string]string{"VARCO_API_ADDR": "127.0.0.1:9000", "VARCO_REQUEST_TIMEOUT": "3s"}, "-request-timeout", "4s")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIAddr != "127.0.0.1:9000" || cfg.RequestTimeout != 4*time.Second || cfg.TemporalUIPort != 8233 {
		t.Fatalf("got %+v", cfg)
	}
}

func TestLoadBadEnv(t *testing.T) {
	if _, err := load(t, map[string]string{"VARCO_TEMPORAL_UI_PORT": "x"}); err == nil {
		t.Fatal("want error for a non-integer port")
	}
}

func TestValidate(t *testing.T) {
	cases := map[string]func(*Config){
		"bad addr":                  func(c *Config) { c.APIAddr = "nope" },
		"short ttl":                 func(c *Config) { c.TokenTTL = time.Second },
		"mode":                      func(c *Config) { c.CallMode = "remote" },
		"level":                     func(c *Config) { c.LogLevel = "loud" },
		"no namespace":              func(c *Config) { c.Namespace = "" },
		"metrics addr":              func(c *Config) { c.MetricsAddr = "9464" },
		"metrics on the API's port": func(c *Config) { c.MetricsAddr = c.APIAddr },
		"otlp endpoint":             func(c *Config) { c.OTLPEndpoint = "collector:4317" },
		"drain delay":               func(c *Config) { c.DrainDelay = time.Hour },
	}
	ok := Defaults()
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	ok.MetricsAddr, ok.OTLPEndpoint, ok.DrainDelay = ":9464", "http://otel-collector:4317", 5*time.Second
	if err := ok.Validate(); err != nil {
		t.Fatalf("observability settings invalid: %v", err)
	}
	for name, mut := range cases {
		c := Defaults()
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

func TestRedacted(t *testing.T) {
	c := Defaults()
	c.CodecKey, c.TokenKey, c.DemoPassword = "c2VjcmV0LWNvZGVj", "c2VjcmV0LXRva2Vu", "s3cr3t-demo-pw"
	c.DatabaseURL = "postgres://varco:hunter2@db:5432/varco"
	out := fmt.Sprint(c.Redacted()...)
	for _, secret := range []string{"c2VjcmV0LWNvZGVj", "c2VjcmV0LXRva2Vu", "hunter2", "s3cr3t-demo-pw"} {
		if strings.Contains(out, secret) {
			t.Fatalf("redacted output leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "postgres://varco:[redacted]@db:5432/varco") {
		t.Fatalf("dsn not shown redacted: %s", out)
	}
}

func TestKey(t *testing.T) {
	if _, err := Key("codec-key", "", 32); err == nil {
		t.Fatal("empty key accepted")
	}
	if _, err := Key("codec-key", "c2hvcnQ=", 32); err == nil {
		t.Fatal("short key accepted")
	}
}

// TestEveryFlagIsDocumented: docs/configuration.md has a row for each flag and its variable.
func TestEveryFlagIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range settings() {
		name := st.flag
		row := "| `-" + name + "` | `" + EnvName(name) + "` |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/configuration.md lacks the row of -%s (%q)", name, row)
		}
	}
}

// TestGroups: every setting belongs to known groups, and a command loading some groups gets
// only their flags, reads only their variables and validates only them.
func TestGroups(t *testing.T) {
	for _, st := range settings() {
		for _, g := range st.groups {
			if !slices.Contains(AllGroups(), g) || g.Title() == "" {
				t.Errorf("-%s: unknown group %q", st.flag, g)
			}
		}
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env := map[string]string{"VARCO_API_ADDR": "nope", "VARCO_DATABASE_URL": "sqlite:x.db"}
	cfg, err := Load(fs, nil, func(k string) string { return env[k] }, GroupCommon, GroupDatabase, GroupAuditPublic)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "sqlite:x.db" || cfg.APIAddr != Defaults().APIAddr {
		t.Fatalf("read %q and %q: want the database's variable only", cfg.DatabaseURL, cfg.APIAddr)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("validated a group it does not use: %v", err)
	}
	for _, name := range []string{"data-dir", "database-url", "audit-public-keys"} {
		if fs.Lookup(name) == nil {
			t.Errorf("-%s not registered", name)
		}
	}
	for _, name := range []string{"api-addr", "audit-key", "codec-key", "simulator-seed", "demo-password"} {
		if fs.Lookup(name) != nil {
			t.Errorf("-%s registered on a command that does not use it", name)
		}
	}
	var keys []string
	for i, kv := range cfg.Redacted() {
		if i%2 == 0 {
			keys = append(keys, kv.(string))
		}
	}
	if !slices.Equal(keys, []string{"data-dir", "database-url", "log-level", "log-format", "audit-public-keys"}) {
		t.Fatalf("printed %v", keys)
	}
}
