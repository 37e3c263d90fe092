package reports

import (
	"context"
	"fmt"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/photo"
)

// Photo limits: a phone's photo fits, a decompression bomb does not
// (internal/photo checks and scales them).
const (
	MaxPhotoBytes  = photo.MaxBytes // as uploaded
	MaxPhotoPixels = photo.MaxPixels
	MaxPhotoSide   = photo.MaxSide
	DisplaySide    = 1600 // longest side shown on the page
	ThumbSide      = 400
)

// States of a photo: scaled in the background after the report is stored
// (prepare.go).
const (
	PhotoPending = "pending"
	PhotoReady   = "ready"
	PhotoFailed  = "failed"
)

// accepted is an upload whose header passed the checks: what the request
// stores, to be scaled by a worker.
type accepted struct {
	name          string
	data          []byte
	width, height int // of the display copy it will have
}

// checkAll checks every upload's header — type by content, size, declared
// dimensions (a decompression bomb is refused here, before any pixel is
// decoded) — without decoding: that is the worker's job. have is the
// number of photos the report keeps.
func checkAll(ups []Upload, have int) ([]accepted, error) {
	var fs errs.Fields
	if have+len(ups) > MaxPhotos {
		fs.Add("photo", "reports.photo.too_many", "max", MaxPhotos)
		return nil, fs.Err()
	}
	out := make([]accepted, 0, len(ups))
	for _, u := range ups {
		in, no := photo.Check(u.Data)
		if no != nil {
			fs.Add("photo", "reports.photo."+no.Reason, no.Args...)
			return nil, fs.Err()
		}
		w, h := in.Fit(DisplaySide)
		out = append(out, accepted{name: photoName(u.Name), data: u.Data, width: w, height: h})
	}
	return out, nil
}

// photoName is the file's name as the editor will recognise it, bounded.
func photoName(s string) string {
	r := []rune(s)
	if len(r) > 120 {
		r = r[:120]
	}
	return string(r)
}

// insertPending stores the uploads of report id as photos waiting to be
// prepared, due at once, in the transaction that stores the report: when
// it commits, the photos are as durable as the report.
func insertPending(ctx context.Context, tx *db.Tx, id int64, from int, photos []accepted) error {
	for i, p := range photos {
		if _, err := tx.Exec(ctx, `INSERT INTO report_photos (report_id, position, hash, width, height, display, thumb, created_at,
			state, name, original, due_at) VALUES (?, ?, '', ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
			id, from+i, p.width, p.height, []byte{}, []byte{}, tx.Now, p.name, p.data, tx.Now); err != nil {
			return fmt.Errorf("reports: photo: %w", err)
		}
	}
	return nil
}
