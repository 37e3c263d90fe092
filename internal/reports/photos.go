package reports

import (
	"runtime"
	"sync"

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

type processed struct {
	hash           string
	width, height  int // of the display copy
	display, thumb []byte
}

func processAll(ups []Upload, have int) ([]processed, error) {
	var fs errs.Fields
	if have+len(ups) > MaxPhotos {
		fs.Add("photo", "reports.photo.too_many", "max", MaxPhotos)
		return nil, fs.Err()
	}
	// Photos are decoded and scaled side by side, as many at once as
	// there are processors.
	out := make([]processed, len(ups))
	type refusal struct {
		key  string
		args []any
	}
	bad := make([]*refusal, len(ups))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, u := range ups {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p, key, args := processPhoto(u.Data)
			if key != "" {
				bad[i] = &refusal{key, args}
				return
			}
			out[i] = p
		})
	}
	wg.Wait()
	for _, b := range bad {
		if b != nil {
			fs.Add("photo", b.key, b.args...)
			return nil, fs.Err()
		}
	}
	return out, nil
}

// processPhoto scales a report's photo to the display size and a
// thumbnail (internal/photo); it returns a message key when refused.
func processPhoto(data []byte) (processed, string, []any) {
	r, no := photo.Process(data, DisplaySide, ThumbSide)
	if no != nil {
		return processed{}, "reports.photo." + no.Reason, no.Args
	}
	return processed{hash: r.Hash, width: r.Width, height: r.Height, display: r.Display, thumb: r.Thumb}, "", nil
}
