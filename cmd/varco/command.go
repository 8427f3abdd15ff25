package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/varco-anpr/varco/internal/config"
)

// commandFunc runs a subcommand with the loaded configuration.
type commandFunc func(ctx context.Context, cfg config.Config, log *slog.Logger) error

// command is one subcommand, shaped like cmd/go's base.Command: its usage line, its help, the
// configuration groups it reads (and no other: its -h lists only those) and its own flags.
type command struct {
	name   string // "audit verify"
	args   string // what follows the name in the usage line
	short  string // one line in `varco -h`
	long   string // what it does and examples, in `varco <command> -h`
	groups []config.Group
	// flags registers the command's own flags and returns what runs; nil when it has none.
	flags func(fs *flag.FlagSet) commandFunc
	run   commandFunc
}

// commands are the subcommands of this build: the production ones (commands.go) and, unless
// built with -tags lean, the development ones (dev_cli.go).
var commands []*command

// commandOrder is the order of `varco -h`.
var commandOrder = []string{"dev", "api", "worker", "simulate", "migrate",
	"comune add", "comune set-anpr", "comune list", "user add",
	"audit verify", "audit anchor", "audit key", "audit reconcile", "seal key", "temporal token", "temporal jwks", "probe", "demo seed"}

func register(cs ...*command) {
	commands = append(commands, cs...)
	slices.SortStableFunc(commands, func(a, b *command) int {
		return slices.Index(commandOrder, a.name) - slices.Index(commandOrder, b.name)
	})
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// isGroupWord reports whether name is the first word of two-word commands (varco audit verify).
func isGroupWord(name string) bool {
	for _, c := range commands {
		if strings.HasPrefix(c.name, name+" ") {
			return true
		}
	}
	return false
}

// flagSet builds the command's flag set: its own flags, then its configuration groups.
func (c *command) flagSet(stderr io.Writer, getenv func(string) string) (*flag.FlagSet, *config.Config, commandFunc, error) {
	fs := flag.NewFlagSet("varco "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	run := c.run
	if c.flags != nil {
		run = c.flags(fs)
	}
	own := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { own[f.Name] = true })
	cfg, err := config.Bind(fs, getenv, c.groups...)
	fs.Usage = func() { c.printUsage(fs.Output(), fs, own) }
	return fs, cfg, run, err
}

// printUsage prints the usage line, the help, the command's own flags, then the flags of each
// configuration group it reads, under the group's title.
func (c *command) printUsage(w io.Writer, fs *flag.FlagSet, own map[string]bool) {
	fmt.Fprintf(w, "usage: varco %s %s\n\n%s\n", c.name, c.args, strings.TrimSpace(c.long))
	if len(own) > 0 {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			if own[f.Name] {
				printFlag(w, f)
			}
		})
	}
	printed := map[string]bool{}
	for _, g := range config.AllGroups() {
		if !slices.Contains(c.groups, g) {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", g.Title())
		for _, name := range config.Flags(g) {
			if f := fs.Lookup(name); f != nil && !printed[name] {
				printed[name] = true
				printFlag(w, f)
			}
		}
	}
	fmt.Fprintf(w, "\nEvery configuration flag can also be set as VARCO_<FLAG> (e.g. VARCO_DATABASE_URL); the flag wins.\n")
}

// printFlag prints one flag as flag.PrintDefaults does: a back-quoted word of the usage is the
// placeholder (-anchors FILE).
func printFlag(w io.Writer, f *flag.Flag) {
	name, usage := flag.UnquoteUsage(f)
	if t, ok := f.Value.(interface{ Type() string }); ok && name == "value" {
		name = t.Type()
	}
	line := "  -" + f.Name
	if name != "" {
		line += " " + name
	}
	fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
	switch f.DefValue {
	case "", "0", "0s", "false", "[]", "map[]":
	default:
		fmt.Fprintf(w, " (default %q)", f.DefValue)
	}
	fmt.Fprintln(w)
}

// mainUsage is `varco -h`: every command of this build with its one line.
func mainUsage(w io.Writer) {
	fmt.Fprintf(w, "varco — governed, audited access to ANPR\n\nusage: varco <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.short)
	}
	fmt.Fprintf(w, "\n'varco <command> -h' shows a command's flags and examples. Every configuration flag can also\nbe set as VARCO_<FLAG> (e.g. VARCO_API_ADDR); the flag wins.\n")
}
