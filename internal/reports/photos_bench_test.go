package reports

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"
)

// BenchmarkProcessPhoto is one phone photo (3000×2000 JPEG) checked,
// decoded, scaled to the display size and a thumbnail, and encoded:
// go test ./internal/reports -run '^$' -bench ProcessPhoto -benchtime 10x
func BenchmarkProcessPhoto(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 3000, 2000))
	r := rand.New(rand.NewPCG(1, 1))
	for y := 0; y < 2000; y++ {
		for x := 0; x < 3000; x++ {
			img.Set(x, y, color.RGBA{uint8(x/12 + r.IntN(16)), uint8(y/8 + r.IntN(16)), uint8(120 + r.IntN(40)), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 88}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, key, _ := processPhoto(buf.Bytes()); key != "" {
			b.Fatal(key)
		}
	}
}
