package lkengine

import (
	"log/slog"
	"sync"

	"github.com/go-logr/logr"
	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
)

// sdkLogger adapts a slog logger to the LiveKit SDK's logger.
func sdkLogger(l *slog.Logger) protoLogger.Logger {
	return protoLogger.LogRLogger(logr.FromSlogHandler(l.Handler()))
}

var globalLogOnce sync.Once

// quietSDK replaces the SDK's package-wide default logger, which writes to
// the standard logger (the terminal, under the UI) and is also what its
// Pion transports log through. The first engine's logger wins: a process
// runs one call.
func quietSDK(l *slog.Logger) {
	globalLogOnce.Do(func() { lksdk.SetLogger(sdkLogger(l)) })
}
