/* shim.h — the C face of the C++ WebRTC audio processing module, for cgo. */
#ifndef RTCTERM_AUDIOPROC_SHIM_H
#define RTCTERM_AUDIOPROC_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct apm_shim apm_shim;

/* apm_options says which components run. */
typedef struct {
	int echo;           /* echo cancellation (AEC, delay-agnostic, extended filter) */
	int noise;          /* noise suppression */
	int noise_level;    /* 0 low .. 3 very high */
	int gain;           /* adaptive digital gain control */
	int gain_target;    /* target peak level, dB below full scale (0..31) */
	int gain_comp;      /* most gain added, dB (0..90) */
	int high_pass;      /* high-pass filter (removes DC and rumble) */
	int sample_rate;    /* 8000, 16000, 32000 or 48000 */
} apm_options;

/* apm_metrics is what the echo canceller measured (dB; -100 unknown). */
typedef struct {
	int erle;         /* echo return loss enhancement, recent average */
	int erl;          /* echo return loss (far level over echo level) */
	int delay_median; /* estimated delay, ms (-1 unknown) */
	int has_echo;     /* the last near frame held echo */
} apm_metrics;

/* apm_new returns NULL and the library's error code in *err on failure. */
apm_shim *apm_new(const apm_options *o, int *err);
/* apm_far analyzes one 10 ms far-end (played) frame of n samples. */
int apm_far(apm_shim *a, const int16_t *s, int n);
/* apm_near processes one 10 ms near-end (captured) frame in place. */
int apm_near(apm_shim *a, int16_t *s, int n, int delay_ms);
int apm_get_metrics(apm_shim *a, apm_metrics *m);
void apm_free(apm_shim *a);

#ifdef __cplusplus
}
#endif

#endif
