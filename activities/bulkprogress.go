package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
)

// bulkProgress is what a bulk activity records in its heartbeat, compactly
// so that a 250-item chunk's heartbeat stays small and can be sent often:
// a bitmap of the finished items, a bitmap of the items whose write was
// sent (the write-ahead record, set before each write), and the results
// that say more than "done". A retry resumes from it: finished items are
// skipped without a request, and an unfinished item whose write was sent
// is read back before anything is written again (runBulk, item).
type bulkProgress struct {
	V        int                       `json:"v"`
	DoneBits []byte                    `json:"done_bits,omitempty"`
	SentBits []byte                    `json:"sent_bits,omitempty"`
	Notes    map[int]action.ItemResult `json:"notes,omitempty"`
	// Final marks the heartbeat an attempt records as it hands its items
	// back (sent with its failure, so complete). A retry that finds it
	// missing knows its predecessor died and that the last writes it sent
	// may not be in the bits (the SDK sends heartbeats in batches).
	Final bool `json:"final,omitempty"`
	// Done and Results are the heartbeat shape before version 2 (the
	// finished indexes and their results, in order); read on resume only.
	Done    []int               `json:"done,omitempty"`
	Results []action.ItemResult `json:"results,omitempty"`
}

const progressVersion = 2

func newProgress(n int) bulkProgress {
	return bulkProgress{V: progressVersion, DoneBits: make([]byte, (n+7)/8), SentBits: make([]byte, (n+7)/8)}
}

func bit(bits []byte, i int) bool { return i/8 < len(bits) && bits[i/8]&(1<<(i%8)) != 0 }

func setBit(bits []byte, i int) {
	if i/8 < len(bits) {
		bits[i/8] |= 1 << (i % 8)
	}
}

// plain says whether r is the plain "done" that the bitmap alone restores.
func plain(r action.ItemResult) bool {
	return r.OK && r.Outcome == action.OutcomeDone && r.Message == "" && r.Data == nil && r.By == "" && r.OktaCode == ""
}

// add records item i's result: a bit, and the result when it says more.
func (p *bulkProgress) add(i int, r action.ItemResult) {
	setBit(p.DoneBits, i)
	if !plain(r) {
		r.ID = "" // the request's ids[i], restored on resume
		if p.Notes == nil {
			p.Notes = map[int]action.ItemResult{}
		}
		p.Notes[i] = r
	}
}

// resumeProgress reads the last attempt's heartbeat: the finished items'
// results by index, and which unfinished items had their write sent.
// Details of an unknown shape or out of range are ignored: those items
// are then redone, read back first when their write was sent.
func resumeProgress(ctx context.Context, ids []string) (bulkProgress, map[int]action.ItemResult, bool) {
	n := len(ids)
	p := newProgress(n)
	done := map[int]action.ItemResult{}
	// Without a complete record of the last attempt, a retry cannot know
	// which writes it sent: every unfinished item is then uncertain.
	uncertain := retried(ctx)
	if !activity.IsActivity(ctx) || !activity.HasHeartbeatDetails(ctx) {
		return p, done, uncertain
	}
	var prev bulkProgress
	if err := activity.GetHeartbeatDetails(ctx, &prev); err != nil {
		return p, done, uncertain
	}
	uncertain = uncertain && !prev.Final
	restore := func(i int, r action.ItemResult) {
		if _, dup := done[i]; i >= 0 && i < n && !dup {
			p.add(i, r)
			r.ID = ids[i]
			done[i] = r
		}
	}
	if prev.V < progressVersion {
		if len(prev.Done) == len(prev.Results) {
			for k, i := range prev.Done {
				restore(i, prev.Results[k])
			}
		}
		return p, done, uncertain
	}
	for i := range n {
		if bit(prev.SentBits, i) {
			setBit(p.SentBits, i)
		}
		if !bit(prev.DoneBits, i) {
			continue
		}
		r, ok := prev.Notes[i]
		if !ok {
			r = action.ItemResult{OK: true, Outcome: action.OutcomeDone}
		}
		restore(i, r)
	}
	return p, done, uncertain
}

// itemRef is the bulk item a context belongs to, so that an item's write
// can record its write-ahead bit (sending) and ask whether an earlier
// attempt sent it (wasSent).
type itemRef struct {
	b *bulkRun
	i int
	// sentNow is set when this attempt sent the item's write.
	sentNow bool
}

type itemKey struct{}

func itemOf(ctx context.Context) *itemRef {
	r, _ := ctx.Value(itemKey{}).(*itemRef)
	return r
}

// sending records, in the heartbeat, that the item's write is about to be
// sent: the write-ahead record a retry reads before writing again.
func sending(ctx context.Context) {
	r := itemOf(ctx)
	if r == nil {
		return
	}
	r.sentNow = true
	b := r.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if !bit(b.progress.SentBits, r.i) {
		setBit(b.progress.SentBits, r.i)
		activity.RecordHeartbeat(b.ctx, b.progress)
	}
}

// wasSent says whether this step sent the item's write: in this round, or
// in an earlier round or attempt per the write-ahead record.
func wasSent(ctx context.Context) bool {
	r := itemOf(ctx)
	if r == nil {
		return false
	}
	if r.sentNow {
		return true
	}
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	return bit(r.b.sentBefore, r.i)
}

// refused records that the item's write got a definite refusal (a 4xx):
// it changed nothing, so this attempt's write-ahead bit is taken back
// unless an earlier attempt had sent the write too.
func refused(ctx context.Context) {
	r := itemOf(ctx)
	if r == nil || !r.sentNow {
		return
	}
	r.sentNow = false
	b := r.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if !bit(b.sentBefore, r.i) && r.i/8 < len(b.progress.SentBits) {
		b.progress.SentBits[r.i/8] &^= 1 << (r.i % 8)
	}
}

// uncertain says whether the item's write may have been sent by an
// earlier attempt that died before its heartbeat said so.
func uncertain(ctx context.Context) bool {
	r := itemOf(ctx)
	return r != nil && r.b.uncertain
}

// laterRound says whether an earlier round of this attempt ran (after a
// 5xx or a 429), so an item may have been written already.
func laterRound(ctx context.Context) bool {
	r := itemOf(ctx)
	return r != nil && r.b.rounds > 1
}
