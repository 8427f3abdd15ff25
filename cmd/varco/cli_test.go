package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCommandHelp: each command's -h shows its usage line, examples and its own flags, and
// none of the settings it does not read.
func TestCommandHelp(t *testing.T) {
	cases := []struct {
		args      string
		want, not []string
	}{
		{"api", []string{"usage: varco api", "Examples:", "-database-url", "-api-addr", "-seal-key", "-temporal-jwt-key", "-token-key"},
			[]string{"-simulator-", "-demo-password", "-temporal-ui-port", "-secrets-key", "-anpr-ca-bundle", "-audit-public-keys"}},
		{"worker", []string{"usage: varco worker", "-secrets-key", "-anpr-ca-bundle", "-simulator-addr", "-seal-public-keys"},
			[]string{"-simulator-seed", "-demo-password", "-api-addr", "-token-key", "-temporal-ui-port"}},
		{"migrate", []string{"usage: varco migrate", "-database-url", "-data-dir", "-log-level"},
			[]string{"-codec-key", "-api-addr", "-temporal-addr", "-simulator-"}},
		{"dev", []string{"usage: varco dev", "-demo-password", "-temporal-ui-port", "-simulator-seed", "-codec-key"},
			[]string{"-audit-public-keys"}},
		{"simulate", []string{"-register-client", "-faults", "-simulator-population", "-secrets-key"},
			[]string{"-codec-key", "-api-addr", "-demo-password"}},
		{"audit verify", []string{"usage: varco audit verify", "-anchors FILE", "-comune string", "-audit-public-keys", "-database-url", "Examples:"},
			[]string{"varco audit anchor\n", "-anchors varco", "-audit-key ", "-audit-key-id", "-codec-key", "-seal-key", "-secrets-key", "-token-key", "-temporal-jwt-key"}},
		{"audit anchor", []string{"-audit-key string", "-comune"}, []string{"-audit-public-keys", "-codec-key"}},
		{"comune add", []string{"-code string", "-istat", "-secrets-key", "Examples:"}, []string{"-codec-key", "-audit-key"}},
		{"user add", []string{"-username", "-role", "-database-url"}, []string{"-secrets-key", "-codec-key"}},
		{"temporal token", []string{"-permissions", "-ttl duration", "-temporal-jwt-key"}, []string{"-codec-key", "-secrets-key"}},
	}
	for _, tc := range cases {
		t.Run(tc.args, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(append(strings.Fields(tc.args), "-h"), &out); err != nil {
				t.Fatalf("-h: %v", err)
			}
			help := out.String()
			for _, w := range tc.want {
				if !strings.Contains(help, w) {
					t.Errorf("-h lacks %q:\n%s", w, help)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(help, n) {
					t.Errorf("-h shows %q, which it does not use:\n%s", n, help)
				}
			}
		})
	}
}

// TestMainHelp: `varco -h` lists every command of the build with its line.
func TestMainHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-h"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		if !strings.Contains(out.String(), "  "+c.name+" ") || c.short == "" || c.long == "" {
			t.Errorf("varco -h: %q missing or undocumented", c.name)
		}
	}
	if len(commands) != len(commandOrder) {
		t.Errorf("%d commands, %d in commandOrder", len(commands), len(commandOrder))
	}
}
