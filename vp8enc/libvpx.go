package vp8enc

// #cgo pkg-config: vpx
// #include <stdlib.h>
// #include <string.h>
// #include <vpx/vpx_encoder.h>
// #include <vpx/vp8cx.h>
//
// // One C allocation holds everything libvpx may point at, so no Go
// // memory is ever retained by C.
// typedef struct {
//   vpx_codec_ctx_t ctx;
//   vpx_codec_enc_cfg_t cfg;
//   vpx_image_t img;
//   int ready;
// } vp8enc_t;
//
// static vp8enc_t *vp8enc_alloc(void) { return calloc(1, sizeof(vp8enc_t)); }
//
// static vpx_codec_err_t vp8enc_default_config(vp8enc_t *e) {
//   return vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &e->cfg, 0);
// }
//
// static vpx_codec_err_t vp8enc_init(vp8enc_t *e, int speed, unsigned int max_intra_pct) {
//   vpx_codec_err_t err = vpx_codec_enc_init(&e->ctx, vpx_codec_vp8_cx(), &e->cfg, 0);
//   if (err != VPX_CODEC_OK) return err;
//   e->ready = 1;
//   // Negative cpu-used is a fixed speed; positive would select it
//   // automatically, which is what costs a frame interval per frame.
//   if ((err = vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, -speed)) != VPX_CODEC_OK) return err;
//   if ((err = vpx_codec_control(&e->ctx, VP8E_SET_TOKEN_PARTITIONS, VP8_ONE_TOKENPARTITION)) != VPX_CODEC_OK) return err;
//   if ((err = vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY, 0u)) != VPX_CODEC_OK) return err;
//   if ((err = vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, 1u)) != VPX_CODEC_OK) return err;
//   return vpx_codec_control(&e->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, max_intra_pct);
// }
//
// static vpx_codec_err_t vp8enc_set_config(vp8enc_t *e) {
//   return vpx_codec_enc_config_set(&e->ctx, &e->cfg);
// }
//
// // Encodes one I420 picture whose planes live in Go memory; the pointers
// // are used only during this call (lag_in_frames is 0, so libvpx copies
// // the picture before returning).
// static vpx_codec_err_t vp8enc_encode(vp8enc_t *e, unsigned int w, unsigned int h,
//     unsigned char *y, int ys, unsigned char *u, unsigned char *v, int cs,
//     vpx_codec_pts_t pts, unsigned long dur, vpx_enc_frame_flags_t flags) {
//   vpx_image_t *img = vpx_img_wrap(&e->img, VPX_IMG_FMT_I420, w, h, 1, y);
//   if (img == NULL) return VPX_CODEC_INVALID_PARAM;
//   img->planes[VPX_PLANE_Y] = y;
//   img->planes[VPX_PLANE_U] = u;
//   img->planes[VPX_PLANE_V] = v;
//   img->stride[VPX_PLANE_Y] = ys;
//   img->stride[VPX_PLANE_U] = cs;
//   img->stride[VPX_PLANE_V] = cs;
//   vpx_codec_err_t err = vpx_codec_encode(&e->ctx, img, pts, dur, flags, VPX_DL_REALTIME);
//   memset(&e->img, 0, sizeof(e->img));
//   return err;
// }
//
// // Copies the frame packets of the last encode into out (capacity cap),
// // returning the total size, which may exceed cap (then nothing past cap
// // is written and the caller retries with a bigger buffer; the packets
// // stay until the next encode). *key is set for a key frame.
// static size_t vp8enc_output(vp8enc_t *e, unsigned char *out, size_t cap, int *key) {
//   vpx_codec_iter_t iter = NULL;
//   const vpx_codec_cx_pkt_t *pkt;
//   size_t n = 0;
//   *key = 0;
//   while ((pkt = vpx_codec_get_cx_data(&e->ctx, &iter)) != NULL) {
//     if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
//     if (pkt->data.frame.flags & VPX_FRAME_IS_KEY) *key = 1;
//     if (n + pkt->data.frame.sz <= cap) memcpy(out + n, pkt->data.frame.buf, pkt->data.frame.sz);
//     n += pkt->data.frame.sz;
//   }
//   return n;
// }
//
// static void vp8enc_free(vp8enc_t *e) {
//   if (e == NULL) return;
//   if (e->ready) vpx_codec_destroy(&e->ctx);
//   free(e);
// }
import "C"

import (
	"fmt"
	"unsafe"
)

// cEncoder owns one libvpx VP8 encoder context; its methods are not
// safe for concurrent use (the encoder's mutex serialises them).
type cEncoder struct {
	e *C.vp8enc_t
}

// rcConfig is the part of the libvpx configuration this package sets.
type rcConfig struct {
	width, height  int
	kbps           int
	minQ, maxQ     int
	dropThreshold  int
	undershootPct  int
	overshootPct   int
	bufInitialMs   int
	bufOptimalMs   int
	bufSizeMs      int
	keyFrameFrames int // 0: key frames only on demand
	speed          int
	maxIntraPct    int
}

// newCEncoder allocates and initialises a libvpx VP8 encoder.
func newCEncoder(c rcConfig) (*cEncoder, error) {
	e := C.vp8enc_alloc()
	if e == nil {
		return nil, fmt.Errorf("%w: out of memory", ErrLibvpx)
	}
	ce := &cEncoder{e: e}
	if rc := C.vp8enc_default_config(e); rc != C.VPX_CODEC_OK {
		ce.free()
		return nil, vpxError("default config", rc)
	}
	cfg := &e.cfg
	cfg.g_w, cfg.g_h = C.uint(c.width), C.uint(c.height)
	// Microseconds: pts and durations are passed in this unit.
	cfg.g_timebase.num, cfg.g_timebase.den = 1, 1000000
	cfg.g_threads = 1 // two cores shared with everything else
	cfg.g_lag_in_frames = 0
	cfg.g_error_resilient = C.VPX_ERROR_RESILIENT_DEFAULT
	cfg.g_pass = C.VPX_RC_ONE_PASS
	cfg.rc_end_usage = C.VPX_CBR
	cfg.rc_resize_allowed = 0
	cfg.rc_min_quantizer = C.uint(c.minQ)
	cfg.rc_max_quantizer = C.uint(c.maxQ)
	cfg.rc_dropframe_thresh = C.uint(c.dropThreshold)
	cfg.rc_undershoot_pct = C.uint(c.undershootPct)
	cfg.rc_overshoot_pct = C.uint(c.overshootPct)
	cfg.rc_buf_initial_sz = C.uint(c.bufInitialMs)
	cfg.rc_buf_optimal_sz = C.uint(c.bufOptimalMs)
	cfg.rc_buf_sz = C.uint(c.bufSizeMs)
	cfg.rc_target_bitrate = C.uint(c.kbps)
	if c.keyFrameFrames > 0 {
		cfg.kf_mode = C.VPX_KF_AUTO
		cfg.kf_min_dist = 0
		cfg.kf_max_dist = C.uint(c.keyFrameFrames)
	} else {
		// Key frames only when asked (ForceKeyFrame): no scene-cut or
		// periodic key frames bursting over a narrow link.
		cfg.kf_mode = C.VPX_KF_DISABLED
		cfg.kf_max_dist = 1 << 30
	}
	if rc := C.vp8enc_init(e, C.int(c.speed), C.uint(c.maxIntraPct)); rc != C.VPX_CODEC_OK {
		ce.free()
		return nil, vpxError("init", rc)
	}
	return ce, nil
}

// setKbps changes the target rate of the running encoder. On a decrease
// the buffer credit saved at the old rate is first cut to drainMs at the
// new rate (libvpx clips its level to the buffer size on every config
// change): a link that just narrowed must not get a second of frames
// spending a buffer earned at the old rate.
func (ce *cEncoder) setKbps(kbps, drainMs int) error {
	cfg := &ce.e.cfg
	old, size := cfg.rc_target_bitrate, cfg.rc_buf_sz
	cfg.rc_target_bitrate = C.uint(kbps)
	if C.uint(kbps) < old && drainMs > 0 && C.uint(drainMs) < size {
		cfg.rc_buf_sz = C.uint(drainMs)
		rc := C.vp8enc_set_config(ce.e)
		cfg.rc_buf_sz = size
		if rc != C.VPX_CODEC_OK {
			cfg.rc_target_bitrate = old
			return vpxError("config set", rc)
		}
	}
	if rc := C.vp8enc_set_config(ce.e); rc != C.VPX_CODEC_OK {
		cfg.rc_target_bitrate = old
		return vpxError("config set", rc)
	}
	return nil
}

// size is the configured picture size.
func (ce *cEncoder) size() (w, h int) { return int(ce.e.cfg.g_w), int(ce.e.cfg.g_h) }

// encode compresses one I420 picture and appends the frame to out; a
// frame dropped by rate control appends nothing.
func (ce *cEncoder) encode(p planes, ptsUs, durUs int64, forceKey bool, out []byte) ([]byte, bool, error) {
	var flags C.vpx_enc_frame_flags_t
	if forceKey {
		flags |= C.VPX_EFLAG_FORCE_KF
	}
	rc := C.vp8enc_encode(ce.e, C.uint(p.w), C.uint(p.h),
		(*C.uchar)(unsafe.Pointer(&p.y[0])), C.int(p.yStride),
		(*C.uchar)(unsafe.Pointer(&p.u[0])), (*C.uchar)(unsafe.Pointer(&p.v[0])), C.int(p.cStride),
		C.vpx_codec_pts_t(ptsUs), C.ulong(durUs), flags)
	if rc != C.VPX_CODEC_OK {
		return out, false, vpxError("encode", rc)
	}
	var key C.int
	start := len(out)
	for {
		room := out[start:cap(out)]
		var ptr *C.uchar
		if len(room) > 0 {
			ptr = (*C.uchar)(unsafe.Pointer(&room[:1][0]))
		}
		n := int(C.vp8enc_output(ce.e, ptr, C.size_t(len(room)), &key))
		if n <= len(room) {
			return out[:start+n], key != 0, nil
		}
		grown := make([]byte, start, start+n+n/2)
		copy(grown, out[:start])
		out = grown
	}
}

// free destroys the context; safe to call once.
func (ce *cEncoder) free() {
	C.vp8enc_free(ce.e)
	ce.e = nil
}

// vpxError wraps a libvpx status code.
func vpxError(op string, rc C.vpx_codec_err_t) error {
	return fmt.Errorf("%w: %s: %s", ErrLibvpx, op, C.GoString(C.vpx_codec_err_to_string(rc)))
}
