// Package phototest makes photos as phones take them, for tests and
// benchmarks: smooth gradients under sensor noise, so that a JPEG of one
// weighs what a phone's does (a 12-megapixel one 3–5 MB).
package phototest

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
)

// Phone is a w×h JPEG (quality 92, as phones write) of gradients and
// noise, different for each seed.
func Phone(w, h int, seed uint64) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(seed, 17))
	fx, fy := 1+r.IntN(3), 1+r.IntN(3)
	for y := 0; y < h; y++ {
		row := img.Y[y*img.YStride:]
		for x := 0; x < w; x++ {
			// A sky-to-ground gradient, a slow wave across, and noise.
			v := 40 + 150*y/h + 30*((x*fx/97+y*fy/131)%8)/8 + r.IntN(24)
			row[x] = uint8(min(255, v))
		}
	}
	cw, ch := (w+1)/2, (h+1)/2
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			i := y*img.CStride + x
			img.Cb[i] = uint8(100 + 60*x/cw + r.IntN(8))
			img.Cr[i] = uint8(150 - 50*y/ch + r.IntN(8))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		panic(err) // an in-memory YCbCr image always encodes
	}
	return buf.Bytes()
}
