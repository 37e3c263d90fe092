package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/jpeg"
	"image/png"
	"net/http"
	"runtime"
	"sync"

	"golang.org/x/image/draw"

	"github.com/ortaq/ortaq/internal/errs"
)

// Photo limits: a phone's photo fits, a decompression bomb does not.
const (
	MaxPhotoBytes  = 10 << 20 // as uploaded
	MaxPhotoPixels = 50e6     // declared width × height
	MaxPhotoSide   = 12000
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

// processPhoto checks a photo before decoding it — its type by content,
// its size, and the dimensions its header declares — then scales it to
// the display size and a thumbnail and encodes both afresh as JPEG, which
// leaves behind everything the file carried besides pixels (EXIF, with the
// place it was taken). The EXIF orientation is applied first, so a phone's
// upright photo stays upright. It returns a message key when refused.
func processPhoto(data []byte) (processed, string, []any) {
	if len(data) > MaxPhotoBytes {
		return processed{}, "reports.photo.too_large", []any{"max", MaxPhotoBytes >> 20}
	}
	ct := http.DetectContentType(data)
	if ct != "image/jpeg" && ct != "image/png" {
		return processed{}, "reports.photo.type", nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return processed{}, "reports.photo.broken", nil
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxPhotoSide || cfg.Height > MaxPhotoSide ||
		float64(cfg.Width)*float64(cfg.Height) > MaxPhotoPixels {
		return processed{}, "reports.photo.dimensions", []any{"max", MaxPhotoSide}
	}
	var img image.Image
	if ct == "image/jpeg" {
		img, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		img, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return processed{}, "reports.photo.broken", nil
	}
	display := scale(img, DisplaySide, draw.ApproxBiLinear)
	if ct == "image/jpeg" {
		// After scaling: turning 1,600 pixels a side costs little.
		display = orient(display, exifOrientation(data))
	}
	// Bilinear (scaled to the reduction, so it averages, unlike
	// ApproxBiLinear) at half the cost of Catmull-Rom: a 400-pixel
	// thumbnail shows no difference.
	thumb := scale(display, ThumbSide, draw.BiLinear)
	var p processed
	if p.display, err = encode(display); err != nil {
		return processed{}, "reports.photo.broken", nil
	}
	if p.thumb, err = encode(thumb); err != nil {
		return processed{}, "reports.photo.broken", nil
	}
	sum := sha256.Sum256(p.display)
	p.hash = hex.EncodeToString(sum[:8])
	b := display.Bounds()
	p.width, p.height = b.Dx(), b.Dy()
	return p, "", nil
}

// scale fits img within side×side (never enlarging), on white (a PNG's
// transparent parts would turn black in a JPEG).
func scale(img image.Image, side int, k draw.Interpolator) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/w)
		} else {
			w, h = max(1, w*side/h), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	stddraw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, stddraw.Src)
	if w == b.Dx() && h == b.Dy() {
		stddraw.Draw(dst, dst.Bounds(), img, b.Min, stddraw.Over)
		return dst
	}
	op := draw.Over // a PNG's transparency onto white
	switch img.(type) {
	case *image.YCbCr, *image.Gray, *image.RGBA:
		op = draw.Src // opaque (a JPEG; our own display copy): the fast path
	}
	k.Scale(dst, dst.Bounds(), img, b, op, nil)
	return dst
}

func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 82})
	return buf.Bytes(), err
}

// exifOrientation reads the orientation tag (1–8) of a JPEG's EXIF
// block; 1 when there is none or it cannot be read.
func exifOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		size := int(b[i+2])<<8 | int(b[i+3])
		if marker == 0xDA || size < 2 || i+2+size > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+size]
		if marker == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var u16 func([]byte) int
	var u32 func([]byte) int
	switch string(t[:2]) {
	case "II":
		u16 = func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
		u32 = func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 | int(b[3])<<24 }
	case "MM":
		u16 = func(b []byte) int { return int(b[1]) | int(b[0])<<8 }
		u32 = func(b []byte) int { return int(b[3]) | int(b[2])<<8 | int(b[1])<<16 | int(b[0])<<24 }
	default:
		return 1
	}
	off := u32(t[4:8])
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := u16(t[off : off+2])
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if u16(t[e:e+2]) == 0x0112 {
			if v := u16(t[e+8 : e+10]); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns img as the EXIF orientation o says it should be shown.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}
