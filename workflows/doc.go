// Package workflows holds the AnprQuery workflow: one Temporal workflow per ANPR request,
// authorizing it, making the certified call and writing its audit record on every path.
//
// The package is deterministic workflow code only. It refers to activities by name and
// imports neither Fiber, bun, Casbin nor the ANPR client (a test checks it), so its unit
// tests compile in seconds and a change of database or HTTP stack cannot touch replay.
package workflows
