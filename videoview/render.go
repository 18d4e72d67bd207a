package videoview

import "image"

// Renderer turns frames into the lines of one tile: fit, scale, encode.
// It reuses its buffers from frame to frame; one goroutine uses it at a
// time. The zero value is ready to use.
type Renderer struct {
	sc      scaler
	weights planeCaches
	pic     Picture
	enc     encoder
}

// Render draws img as large as fits, undistorted and centred, in a tile
// of cols×rows cells, and returns rows lines of cols cells each.
func (r *Renderer) Render(img image.Image, cols, rows int, mode Mode) []string {
	if cols <= 0 || rows <= 0 {
		return nil
	}
	b := img.Bounds()
	w, h := Fit(b.Dx(), b.Dy(), cols, rows, mode)
	r.pic.resize(w, h)
	r.sc.Scale(&r.pic, img, &r.weights)
	return r.enc.Encode(&r.pic, cols, rows, mode)
}

// Render is Renderer.Render with a fresh renderer, for one-off pictures.
func Render(img image.Image, cols, rows int, mode Mode) []string {
	var r Renderer
	return r.Render(img, cols, rows, mode)
}
