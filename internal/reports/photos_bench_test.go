package reports_test

import (
	"testing"

	"github.com/ortaq/ortaq/internal/photo"
	"github.com/ortaq/ortaq/internal/photo/phototest"
	"github.com/ortaq/ortaq/internal/reports"
)

// BenchmarkPreparePhoto is what the background worker does with one phone
// photo (4000×3000 JPEG, ~4 MB): checked, decoded, scaled to the display
// size and a thumbnail, encoded:
// go test ./internal/reports -run '^$' -bench PreparePhoto -benchtime 10x
func BenchmarkPreparePhoto(b *testing.B) {
	data := phototest.Phone(4000, 3000, 1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, no := photo.Process(data, reports.DisplaySide, reports.ThumbSide); no != nil {
			b.Fatal(no)
		}
	}
}
