package auditlog

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// Problems Verify reports.
const (
	HashMismatch       = "hash_mismatch"            // a record's fields no longer give its hash: it was altered
	PrevMismatch       = "prev_mismatch"            // a record does not point at its predecessor's hash
	Gap                = "gap"                      // a seq is missing: a record was removed
	BadSignature       = "bad_checkpoint_signature" // a checkpoint's signature does not hold
	CheckpointMismatch = "checkpoint_mismatch"      // a signed checkpoint disagrees with the record at its seq
	Truncated          = "truncated"                // records after the last one present were removed
)

// pageSize bounds the records (and checkpoints) Verify holds at once.
const pageSize = 500

// Report is the outcome of Verify. No field holds personal data.
type Report struct {
	Comune string `json:"comune"`
	OK     bool   `json:"ok"`
	// Records walked; Unchained of them predate the chain (migration 0006) and have no hash.
	Records   int64 `json:"records"`
	Unchained int64 `json:"unchained,omitempty"`
	// Checkpoints whose signature was checked.
	Checkpoints int64 `json:"checkpoints"`
	// FirstSeq..LastSeq is the span walked; FirstSeq > 1 after a purge.
	FirstSeq int64  `json:"firstSeq,omitempty"`
	LastSeq  int64  `json:"lastSeq,omitempty"`
	Break    *Break `json:"break,omitempty"`
}

// Break is the first broken link.
type Break struct {
	Seq       int64  `json:"seq"`
	RequestID string `json:"requestId,omitempty"`
	Problem   string `json:"problem"`
	Detail    string `json:"detail"`
}

// Verify walks the Comune's chain by seq, page by page (constant memory), checking that seqs
// follow each other, that each record points at its predecessor's hash and still gives its own,
// that every checkpoint is signed by signer and agrees with its record, and that nothing
// follows the last record (the chain head and the checkpoints say where the chain ends). A
// chain whose first records were purged must start right after a checkpoint with the hash its
// first record points at. It stops at the first broken link; an error means the walk itself
// failed (database, no key). Records written while it runs are left for the next run: it
// walks up to the head it read first.
func Verify(ctx context.Context, db bun.IDB, comune string, signer *Signer) (Report, error) {
	if signer == nil {
		return Report{}, errors.New("auditlog: verify: no checkpoint key configured")
	}
	head, err := store.GetChainHead(ctx, db, comune)
	if err != nil {
		return Report{}, fmt.Errorf("auditlog: verify %s: %w", comune, err)
	}
	w := &walk{ctx: ctx, db: db, signer: signer, rep: Report{Comune: comune}, upTo: head.Seq}
	if err := w.run(); err != nil {
		return Report{}, fmt.Errorf("auditlog: verify %s: %w", comune, err)
	}
	if w.rep.Break == nil && (w.prevSeq != head.Seq || w.prevHash != head.Hash) {
		w.fail(w.prevSeq+1, "", Truncated, fmt.Sprintf("the chain head is at seq %d, the last record at seq %d", head.Seq, w.prevSeq))
	}
	w.rep.OK = w.rep.Break == nil
	return w.rep, nil
}

// walk is Verify's state: the last link accepted (seq 0 and "" at the genesis, or the
// checkpoint a purge left) and the checkpoints not yet matched.
type walk struct {
	ctx      context.Context
	db       bun.IDB
	signer   *Signer
	rep      Report
	upTo     int64
	prevSeq  int64
	prevHash string
	started  bool // a record was accepted
	chained  bool // a record with a hash was accepted: unchained ones may only come first
	cps      []store.AuditCheckpoint
	cpAfter  int64
	cpDone   bool
}

func (w *walk) fail(seq int64, requestID, problem, detail string) {
	if w.rep.Break == nil {
		w.rep.Break = &Break{Seq: seq, RequestID: requestID, Problem: problem, Detail: detail}
	}
}

func (w *walk) run() error {
	after := int64(0)
	for w.rep.Break == nil {
		page, err := store.AuditChainPage(w.ctx, w.db, w.rep.Comune, after, w.upTo, pageSize)
		if err != nil {
			return err
		}
		for i := range page {
			if err := w.record(&page[i]); err != nil || w.rep.Break != nil {
				return err
			}
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].Seq
	}
	// Checkpoints past the last record: the records they vouch for are gone.
	return w.checkpointsThrough(w.upTo, nil, true)
}

// record checks r against the last accepted link, then the checkpoints up to r.Seq.
func (w *walk) record(r *store.AuditRecord) error {
	if err := w.checkpointsThrough(r.Seq-1, nil, false); err != nil || w.rep.Break != nil {
		return err
	}
	switch {
	case r.Seq != w.prevSeq+1:
		w.fail(w.prevSeq+1, "", Gap, fmt.Sprintf("seq %d is missing: after seq %d comes seq %d", w.prevSeq+1, w.prevSeq, r.Seq))
	case r.Hash == "" && r.PrevHash == "" && !w.chained && w.prevHash == "":
		w.rep.Unchained++ // written before the chain existed
	case r.PrevHash != w.prevHash:
		w.fail(r.Seq, r.RequestID, PrevMismatch, fmt.Sprintf("points at %q, the previous link is %q", short(r.PrevHash), short(w.prevHash)))
	case ChainHash(r) != r.Hash:
		w.fail(r.Seq, r.RequestID, HashMismatch, "the record's fields do not give its stored hash: it was altered")
	default:
		w.chained = true
	}
	if w.rep.Break != nil {
		return nil
	}
	if !w.started {
		w.rep.FirstSeq = r.Seq
	}
	w.started = true
	w.prevSeq, w.prevHash = r.Seq, r.Hash
	w.rep.Records++
	w.rep.LastSeq = r.Seq
	return w.checkpointsThrough(r.Seq, r, false)
}

// checkpointsThrough consumes the checkpoints with seq <= upTo, checking each signature.
// at is the record at upTo, when there is one: its checkpoint must carry its hash. A
// checkpoint before the first record anchors the chain (the purge's); at the end, one beyond
// the last record means the tail was removed (inside the chain, the gap check speaks first).
func (w *walk) checkpointsThrough(upTo int64, at *store.AuditRecord, end bool) error {
	for w.rep.Break == nil {
		if len(w.cps) == 0 {
			if w.cpDone {
				return nil
			}
			page, err := store.CheckpointPage(w.ctx, w.db, w.rep.Comune, w.cpAfter, w.upTo, pageSize)
			if err != nil {
				return err
			}
			w.cps, w.cpDone = page, len(page) < pageSize
			if len(page) > 0 {
				w.cpAfter = page[len(page)-1].Seq
			}
			continue
		}
		cp := &w.cps[0]
		if cp.Seq > upTo {
			return nil
		}
		w.cps = w.cps[1:]
		w.rep.Checkpoints++
		if err := w.signer.Check(cp); err != nil {
			w.fail(cp.Seq, "", BadSignature, "checkpoint at seq "+fmt.Sprint(cp.Seq)+": "+err.Error())
			return nil
		}
		switch {
		case at != nil && cp.Seq == at.Seq:
			if cp.Hash != at.Hash {
				w.fail(cp.Seq, at.RequestID, CheckpointMismatch, fmt.Sprintf("signed hash %q, record hash %q", short(cp.Hash), short(at.Hash)))
			}
		case !w.started:
			w.prevSeq, w.prevHash = cp.Seq, cp.Hash // the purge's anchor; the nearest one wins
		case end && cp.Seq > w.prevSeq:
			w.fail(w.prevSeq+1, "", Truncated, fmt.Sprintf("a checkpoint vouches for seq %d, the last record is seq %d", cp.Seq, w.prevSeq))
		}
	}
	return nil
}

// short abbreviates a hash for messages.
func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}
