package config

import (
	"reflect"
	"slices"
	"strings"
)

// Group names the settings one part of Varco reads. A command registers the groups it uses
// and no other, so its -h lists only what it reads and an auditor's command never asks for a
// private key (the way cmd/go adds flag sets per command).
type Group string

// The groups, in the order -h prints them.
const (
	GroupCommon        Group = "common"        // data directory and logging: every command
	GroupDatabase      Group = "database"      // Varco's database
	GroupHTTP          Group = "http"          // the HTTP API: address, access tokens, request deadline
	GroupTemporal      Group = "temporal"      // the Temporal frontend and the tokens it accepts
	GroupPayload       Group = "payload"       // workflow payloads: codec, seal and subject-hash keys
	GroupAuditSigning  Group = "audit-signing" // the audit checkpoints' signing key
	GroupAuditPublic   Group = "audit-public"  // the audit checkpoints' public keys (verification only)
	GroupSecrets       Group = "secrets"       // the key sealing the Comuni's PDND private keys
	GroupANPR          Group = "anpr"          // where ANPR calls go and whom to trust there
	GroupEmbedded      Group = "embedded"      // the embedded Temporal server of varco dev
	GroupSimulator     Group = "simulator"     // the ANPR/PDND simulator
	GroupDemo          Group = "demo"          // the demo data of varco dev
	GroupObservability Group = "observability" // the /metrics listener and the OTLP trace exporter
	GroupBatch         Group = "batch"         // batch queries: concurrency, waits, result retention
)

// groupOrder is every group, in -h order.
var groupOrder = []Group{GroupCommon, GroupDatabase, GroupHTTP, GroupTemporal, GroupPayload,
	GroupAuditSigning, GroupAuditPublic, GroupSecrets, GroupANPR, GroupObservability, GroupBatch, GroupEmbedded, GroupSimulator, GroupDemo}

// titles head each group's flags in -h.
var titles = map[Group]string{
	GroupCommon:        "Common",
	GroupDatabase:      "Database",
	GroupHTTP:          "HTTP API",
	GroupTemporal:      "Temporal",
	GroupPayload:       "Workflow payload keys",
	GroupAuditSigning:  "Audit signing key",
	GroupAuditPublic:   "Audit public keys",
	GroupSecrets:       "Secrets at rest",
	GroupANPR:          "ANPR",
	GroupEmbedded:      "Embedded Temporal (varco dev)",
	GroupSimulator:     "ANPR/PDND simulator",
	GroupDemo:          "Demo data",
	GroupBatch:         "Batch queries",
	GroupObservability: "Metrics and traces",
}

// AllGroups is every group, in -h order.
func AllGroups() []Group { return slices.Clone(groupOrder) }

// Title is the heading of g in -h.
func (g Group) Title() string { return titles[g] }

// setting is one field of Config with its flag, help and groups.
type setting struct {
	index  int
	flag   string
	help   string
	groups []Group
}

// settings lists Config's settings in declaration order.
func settings() []setting {
	t := reflect.TypeFor[Config]()
	var out []setting
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("flag")
		if name == "" {
			continue
		}
		var gs []Group
		for g := range strings.SplitSeq(f.Tag.Get("group"), ",") {
			gs = append(gs, Group(g))
		}
		out = append(out, setting{index: i, flag: name, help: f.Tag.Get("help"), groups: gs})
	}
	return out
}

// Flags lists the flag names of group g's settings, in declaration order. A setting in several
// groups (simulator-addr is where the simulator listens and where ANPR calls of simulator
// Comuni go) is listed in each.
func Flags(g Group) []string {
	var out []string
	for _, s := range settings() {
		if slices.Contains(s.groups, g) {
			out = append(out, s.flag)
		}
	}
	return out
}

func groupSet(groups []Group) map[Group]bool {
	if len(groups) == 0 {
		return nil
	}
	m := make(map[Group]bool, len(groups))
	for _, g := range groups {
		m[g] = true
	}
	return m
}

// has reports whether the configuration reads group g (every group, when it was not loaded
// for a command: Defaults and tests).
func (c *Config) has(g Group) bool { return c.groups == nil || c.groups[g] }

func (c *Config) uses(s setting) bool {
	return slices.ContainsFunc(s.groups, c.has)
}
