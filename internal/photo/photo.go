// Package photo takes the photos people upload (a report's, a proposal's
// attachment): JPEG or PNG from a phone, up to 10 MB, checked before it is
// decoded (a decompression bomb is refused by the size its header
// declares), turned upright, scaled down and encoded afresh as JPEG, which
// drops EXIF and with it the place the photo was taken. Issue 15, item 7.
package photo

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

	"golang.org/x/image/draw"
)

// Limits: a phone's photo fits, a decompression bomb does not.
const (
	MaxBytes  = 10 << 20 // as uploaded
	MaxPixels = 50e6     // declared width × height
	MaxSide   = 12000
)

// Result is a processed photo.
type Result struct {
	Hash           string // of the display copy
	Width, Height  int    // of the display copy
	Display, Thumb []byte // JPEG; Thumb nil when none was asked for
}

// Refusal says why a photo was refused: Reason is one of too_large, type,
// broken, dimensions; Args are its message's arguments.
type Refusal struct {
	Reason string
	Args   []any
}

// IsPhoto reports whether data is a JPEG or PNG by its content.
func IsPhoto(data []byte) bool {
	ct := http.DetectContentType(data)
	return ct == "image/jpeg" || ct == "image/png"
}

// Info is what a photo's header says, read without decoding its pixels.
type Info struct {
	Type          string // "image/jpeg" or "image/png"
	Width, Height int    // as stored in the file
	Orientation   int    // the EXIF orientation (1–8) of a JPEG; 1 otherwise
}

// Check does what Process does before decoding — the photo's type by
// content, its size, and the dimensions its header declares (a
// decompression bomb is refused here) — and says what it found. A photo
// Check accepts may still fail to decode (a file broken after its header).
func Check(data []byte) (Info, *Refusal) {
	if len(data) > MaxBytes {
		return Info{}, &Refusal{"too_large", []any{"max", MaxBytes >> 20}}
	}
	if !IsPhoto(data) {
		return Info{}, &Refusal{"type", nil}
	}
	in := Info{Type: http.DetectContentType(data), Orientation: 1}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{}, &Refusal{"broken", nil}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxSide || cfg.Height > MaxSide ||
		float64(cfg.Width)*float64(cfg.Height) > MaxPixels {
		return Info{}, &Refusal{"dimensions", []any{"max", MaxSide}}
	}
	in.Width, in.Height = cfg.Width, cfg.Height
	if in.Type == "image/jpeg" {
		in.Orientation = exifOrientation(data)
	}
	return in, nil
}

// Fit is the size, upright, of the copy Process makes of this photo to fit
// side×side: known before decoding, so a page can keep the photo's place
// while it is being prepared.
func (in Info) Fit(side int) (w, h int) {
	w, h = fit(in.Width, in.Height, side)
	if in.Orientation >= 5 && in.Orientation <= 8 {
		w, h = h, w
	}
	return w, h
}

// fit is w×h scaled down to fit side×side (never enlarged).
func fit(w, h, side int) (int, int) {
	if w > side || h > side {
		if w >= h {
			return side, max(1, h*side/w)
		}
		return max(1, w*side/h), side
	}
	return w, h
}

// Process checks a photo before decoding it (Check), then scales it to
// fit displaySide and thumbSide (thumbSide 0: no thumbnail) and encodes
// both afresh as JPEG, which leaves behind everything the file carried
// besides pixels (EXIF, with the place it was taken). The EXIF orientation
// is applied first, so a phone's upright photo stays upright. A refusal
// says why (Reason) for the caller's own message.
func Process(data []byte, displaySide, thumbSide int) (Result, *Refusal) {
	in, no := Check(data)
	if no != nil {
		return Result{}, no
	}
	var img image.Image
	var err error
	if in.Type == "image/jpeg" {
		img, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		img, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return Result{}, &Refusal{"broken", nil}
	}
	display := scale(img, displaySide, draw.ApproxBiLinear)
	// After scaling: turning 1,600 pixels a side costs little.
	display = orient(display, in.Orientation)
	// Bilinear (scaled to the reduction, so it averages, unlike
	// ApproxBiLinear) at half the cost of Catmull-Rom: a 400-pixel
	// thumbnail shows no difference.
	var p Result
	if p.Display, err = encode(display); err != nil {
		return Result{}, &Refusal{"broken", nil}
	}
	if thumbSide > 0 {
		thumb := scale(display, thumbSide, draw.BiLinear)
		if p.Thumb, err = encode(thumb); err != nil {
			return Result{}, &Refusal{"broken", nil}
		}
	}
	sum := sha256.Sum256(p.Display)
	p.Hash = hex.EncodeToString(sum[:8])
	b := display.Bounds()
	p.Width, p.Height = b.Dx(), b.Dy()
	return p, nil
}

// scale fits img within side×side (never enlarging), on white (a PNG's
// transparent parts would turn black in a JPEG).
func scale(img image.Image, side int, k draw.Interpolator) image.Image {
	b := img.Bounds()
	w, h := fit(b.Dx(), b.Dy(), side)
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
