// shim.cc — wraps webrtc::AudioProcessing (webrtc-audio-processing 0.3)
// behind the C API of shim.h. It only translates: every choice of
// configuration is made in Go and passed in apm_options.
#include "shim.h"

#include <cstring>
#include <new>

#include <webrtc/common.h>
#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

struct apm_shim {
	webrtc::AudioProcessing *apm;
	webrtc::AudioFrame frame;
	int rate;
	int echo;
};

static int check(int r, int *err) {
	if (r != webrtc::AudioProcessing::kNoError && *err == 0) *err = r;
	return r;
}

extern "C" apm_shim *apm_new(const apm_options *o, int *err) {
	*err = 0;
	webrtc::Config config;
	// The played signal reaches the microphone after a delay we can only
	// estimate: let the canceller find it, over a filter long enough for a
	// room (as PulseAudio's module-echo-cancel does).
	config.Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(true));
	config.Set<webrtc::DelayAgnostic>(new webrtc::DelayAgnostic(true));
	// The "experimental" AGC drives an analog microphone volume; there is
	// none here, only digital gain.
	config.Set<webrtc::ExperimentalAgc>(new webrtc::ExperimentalAgc(false));
	apm_shim *a = new (std::nothrow) apm_shim();
	if (a == NULL) {
		*err = webrtc::AudioProcessing::kNullPointerError;
		return NULL;
	}
	a->apm = webrtc::AudioProcessing::Create(config);
	if (a->apm == NULL) {
		delete a;
		*err = webrtc::AudioProcessing::kNullPointerError;
		return NULL;
	}
	a->rate = o->sample_rate;
	a->echo = o->echo;
	webrtc::ProcessingConfig pc = {{
		webrtc::StreamConfig(o->sample_rate, 1, false),
		webrtc::StreamConfig(o->sample_rate, 1, false),
		webrtc::StreamConfig(o->sample_rate, 1, false),
		webrtc::StreamConfig(o->sample_rate, 1, false),
	}};
	check(a->apm->Initialize(pc), err);
	check(a->apm->high_pass_filter()->Enable(o->high_pass != 0), err);
	if (o->echo) {
		webrtc::EchoCancellation *ec = a->apm->echo_cancellation();
		check(ec->enable_drift_compensation(false), err);
		check(ec->set_suppression_level(webrtc::EchoCancellation::kHighSuppression), err);
		check(ec->enable_metrics(true), err);
		check(ec->enable_delay_logging(true), err);
		check(ec->Enable(true), err);
	}
	if (o->noise) {
		webrtc::NoiseSuppression *ns = a->apm->noise_suppression();
		check(ns->set_level(static_cast<webrtc::NoiseSuppression::Level>(o->noise_level)), err);
		check(ns->Enable(true), err);
	}
	if (o->gain) {
		webrtc::GainControl *gc = a->apm->gain_control();
		check(gc->set_mode(webrtc::GainControl::kAdaptiveDigital), err);
		check(gc->set_target_level_dbfs(o->gain_target), err);
		check(gc->set_compression_gain_db(o->gain_comp), err);
		check(gc->enable_limiter(true), err);
		check(gc->Enable(true), err);
	}
	if (*err != 0) {
		delete a->apm;
		delete a;
		return NULL;
	}
	return a;
}

static int load(apm_shim *a, const int16_t *s, int n) {
	if (n <= 0 || n != a->rate / 100 || n > (int)webrtc::AudioFrame::kMaxDataSizeSamples) {
		return webrtc::AudioProcessing::kBadDataLengthError;
	}
	a->frame.sample_rate_hz_ = a->rate;
	a->frame.num_channels_ = 1;
	a->frame.samples_per_channel_ = n;
	std::memcpy(a->frame.data_, s, n * sizeof(int16_t));
	return webrtc::AudioProcessing::kNoError;
}

extern "C" int apm_far(apm_shim *a, const int16_t *s, int n) {
	int r = load(a, s, n);
	if (r != 0) return r;
	return a->apm->ProcessReverseStream(&a->frame);
}

extern "C" int apm_near(apm_shim *a, int16_t *s, int n, int delay_ms) {
	int r = load(a, s, n);
	if (r != 0) return r;
	if (a->echo) {
		// A warning (the delay was clamped) is not a failure.
		a->apm->set_stream_delay_ms(delay_ms);
	}
	r = a->apm->ProcessStream(&a->frame);
	std::memcpy(s, a->frame.data_, n * sizeof(int16_t));
	return r;
}

extern "C" int apm_get_metrics(apm_shim *a, apm_metrics *m) {
	m->erle = m->erl = -100;
	m->delay_median = -1;
	m->has_echo = 0;
	if (!a->echo) return 0;
	webrtc::EchoCancellation *ec = a->apm->echo_cancellation();
	webrtc::EchoCancellation::Metrics em;
	int r = ec->GetMetrics(&em);
	if (r == 0) {
		m->erle = em.echo_return_loss_enhancement.average;
		m->erl = em.echo_return_loss.average;
	}
	int median = 0, std = 0;
	float poor = 0;
	if (ec->GetDelayMetrics(&median, &std, &poor) == 0) m->delay_median = median;
	m->has_echo = ec->stream_has_echo() ? 1 : 0;
	return r;
}

extern "C" void apm_free(apm_shim *a) {
	if (a == NULL) return;
	delete a->apm;
	delete a;
}
