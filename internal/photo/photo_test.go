package photo_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/ortaq/ortaq/internal/photo"
)

// Phone is a w×h JPEG as a phone writes it: an EXIF block with the place
// it was taken (a GPS-looking marker) and orientation 6 (turn right).
func Phone(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// TIFF little endian; IFD0 at 8 with one entry: 0x0112 (orientation)
	// SHORT 1 = 6; then the marker.
	tiff := []byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00")
	payload := append(append([]byte("Exif\x00\x00"), tiff...), []byte("GPS-43.2567N-76.9286E")...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, b[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, b[2:]...)
}

func TestPhoneJPEGScaledUprightWithoutEXIF(t *testing.T) {
	r, no := photo.Process(Phone(t, 2400, 1200), 1600, 400)
	if no != nil {
		t.Fatalf("refused: %+v", no)
	}
	// Orientation 6: a landscape file shown as portrait, within 1600.
	if r.Width != 800 || r.Height != 1600 {
		t.Fatalf("display %d×%d, want 800×1600", r.Width, r.Height)
	}
	for _, b := range [][]byte{r.Display, r.Thumb} {
		if bytes.Contains(b, []byte("GPS-43")) || bytes.Contains(b, []byte("Exif")) {
			t.Fatal("the EXIF block (the place) survived")
		}
		if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := jpeg.DecodeConfig(bytes.NewReader(r.Thumb)); c.Width != 200 || c.Height != 400 {
		t.Fatalf("thumbnail %d×%d", c.Width, c.Height)
	}
	if r, _ := photo.Process(Phone(t, 300, 200), 1600, 0); r.Thumb != nil || r.Width != 200 {
		t.Fatalf("small photo: %d×%d, thumb %d bytes", r.Width, r.Height, len(r.Thumb))
	}
}

func TestRefusals(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	bomb := buf.Bytes()
	binary.BigEndian.PutUint32(bomb[16:], 50000)
	binary.BigEndian.PutUint32(bomb[20:], 50000)
	binary.BigEndian.PutUint32(bomb[29:], crc32.ChecksumIEEE(bomb[12:29])) // a valid header
	for name, c := range map[string]struct {
		data   []byte
		reason string
	}{
		"pdf":       {[]byte("%PDF-1.4 not a photo"), "type"},
		"bomb":      {bomb, "dimensions"},
		"too large": {append(Phone(t, 10, 10), make([]byte, photo.MaxBytes)...), "too_large"},
		"truncated": {Phone(t, 100, 100)[:300], "broken"},
	} {
		if _, no := photo.Process(c.data, 1600, 400); no == nil || no.Reason != c.reason {
			t.Errorf("%s: %+v, want %s", name, no, c.reason)
		}
	}
}

// Check reads only the header: it knows the size Process will give (so a
// page keeps the photo's place while it is prepared), refuses a bomb, and
// lets through a file broken after its header, which Process refuses.
func TestCheckBeforeDecoding(t *testing.T) {
	for _, c := range []struct{ w, h int }{{2400, 1200}, {4000, 3000}, {300, 200}, {1200, 2400}} {
		data := Phone(t, c.w, c.h) // orientation 6
		in, no := photo.Check(data)
		if no != nil || in.Width != c.w || in.Height != c.h || in.Orientation != 6 || in.Type != "image/jpeg" {
			t.Fatalf("%d×%d: %+v %+v", c.w, c.h, in, no)
		}
		r, no := photo.Process(data, 1600, 400)
		if no != nil {
			t.Fatal(no)
		}
		if w, h := in.Fit(1600); w != r.Width || h != r.Height {
			t.Fatalf("%d×%d: Fit %d×%d, Process %d×%d", c.w, c.h, w, h, r.Width, r.Height)
		}
	}
	whole := Phone(t, 800, 600)
	broken := append(append([]byte{}, whole[:len(whole)/3]...), bytes.Repeat([]byte{0xFF, 0x00}, 50)...)
	if _, no := photo.Check(broken); no != nil {
		t.Fatalf("the header is whole: %+v", no)
	}
	if _, no := photo.Process(broken, 1600, 400); no == nil || no.Reason != "broken" {
		t.Fatalf("broken after its header: %+v", no)
	}
}
