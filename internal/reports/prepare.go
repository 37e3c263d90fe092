package reports

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/photo"
)

// Preparing photos (decision 0121). Publishing a report stores its photos
// as uploaded (insertPending) and answers; decoding and scaling a phone's
// 12-megapixel photo costs ~0.3 s of CPU, too much to do five of inside
// the request. A worker on any node takes a waiting photo from the
// database — by moving its due_at past a lease and writing its own claim
// token, with FOR UPDATE SKIP LOCKED on PostgreSQL so that nodes take
// different photos — scales it, and stores the copies only if its claim
// still holds: a photo's copies are written once, by one worker. The
// original (with its EXIF) is deleted in the same statement; a photo that
// cannot be decoded is marked failed with its reason, which its report's
// editors see. A node that dies while preparing leaves the photo due
// again when the lease ends.
const (
	photoLease       = 2 * time.Minute // longer than preparing a photo may take
	photoEvery       = 30 * time.Second
	maxPhotoAttempts = 3 // a photo that took down the worker this often is given up
)

// photoWorkers is how many photos a node prepares at once: half the
// processors, so that pages keep the rest while photos are scaled.
func photoWorkers() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// taken is a photo a worker claimed.
type taken struct {
	id       int64
	claim    string
	original []byte
	attempts int
}

// wakeWorkers tells this node's worker that photos are waiting (after a
// commit); the other nodes find them at their next round.
func (s *Service) wakeWorkers() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run prepares waiting photos until ctx ends: at once, when this node
// stores new ones, and every 30 seconds (photos left by a node that
// stopped, or stored by another).
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(photoEvery)
	defer t.Stop()
	for {
		if _, err := s.PreparePhotos(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("reports: prepare photos", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// PreparePhotos prepares the photos due now, a few at a time, until none
// is left to take; it returns how many it prepared (failed ones
// included). Photos another worker holds are left to it.
func (s *Service) PreparePhotos(ctx context.Context) (int, error) {
	// A read first: an idle node costs one query a round, not a write.
	var one int
	err := s.db.QueryRow(ctx, `SELECT 1 FROM report_photos WHERE due_at <= ? LIMIT 1`, s.db.Now().UTC()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reports: photos due: %w", err)
	}
	var done atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range s.workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				ok, err := s.prepareOne(ctx)
				if err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
				if !ok {
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return int(done.Load()), first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// prepareOne takes one due photo, prepares it and stores the outcome;
// false when there was none to take.
func (s *Service) prepareOne(ctx context.Context) (bool, error) {
	t, err := s.take(ctx)
	if err != nil || t == nil {
		return false, err
	}
	// What has been taken is finished even when ctx ends (a node shutting
	// down waits for its background work): a photo takes under a second.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if t.attempts > maxPhotoAttempts {
		return true, s.finish(fctx, t, photo.Result{}, "broken")
	}
	res, no := process(t.original)
	reason := ""
	if no != nil {
		reason = no.Reason
		s.log.Info("reports: photo failed", "photo", t.id, "reason", no.Reason)
	}
	return true, s.finish(fctx, t, res, reason)
}

// process is photo.Process for a worker: a decoder's panic on a hostile
// file fails that photo instead of taking the node down (in a request,
// the server's recovery did that).
func process(data []byte) (res photo.Result, no *photo.Refusal) {
	defer func() {
		if recover() != nil {
			res, no = photo.Result{}, &photo.Refusal{Reason: "broken"}
		}
	}()
	return photo.Process(data, DisplaySide, ThumbSide)
}

// take claims the photo due first: its due_at moves past the lease and
// its claim becomes a token only this worker knows.
func (s *Service) take(ctx context.Context) (*taken, error) {
	var tok [12]byte
	_, _ = rand.Read(tok[:])
	t := &taken{claim: hex.EncodeToString(tok[:])}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `UPDATE report_photos SET due_at = ?, claim = ?, attempts = attempts + 1
			WHERE id = (SELECT id FROM report_photos WHERE due_at <= ? ORDER BY due_at, id LIMIT 1`+tx.SkipLocked()+`)
			RETURNING id, original, attempts`, tx.Now.Add(photoLease), t.claim, tx.Now).Scan(&t.id, &t.original, &t.attempts)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reports: take photo: %w", err)
	}
	return t, nil
}

// finish stores a prepared photo's copies (reason "") or why it failed,
// and deletes the original — only while t's claim holds, so a worker
// whose lease ran out, or whose photo was removed, writes nothing.
func (s *Service) finish(ctx context.Context, t *taken, res photo.Result, reason string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var r sql.Result
		var err error
		if reason == "" {
			r, err = tx.Exec(ctx, `UPDATE report_photos SET state = 'ready', hash = ?, width = ?, height = ?, display = ?, thumb = ?,
				original = NULL, due_at = NULL, claim = NULL WHERE id = ? AND claim = ?`,
				res.Hash, res.Width, res.Height, res.Display, res.Thumb, t.id, t.claim)
		} else {
			r, err = tx.Exec(ctx, `UPDATE report_photos SET state = 'failed', reason = ?, original = NULL, due_at = NULL, claim = NULL
				WHERE id = ? AND claim = ?`, reason, t.id, t.claim)
		}
		if err != nil {
			return fmt.Errorf("reports: finish photo: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil // no longer ours
		}
		// Guests' copies of the report's pages show it at once, on
		// every node.
		return tx.Announce(ctx, "pages")
	})
}
