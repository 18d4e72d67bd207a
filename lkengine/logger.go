package lkengine

import (
	"log/slog"
	"sync"

	"github.com/go-logr/logr"
	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// sdkLogger adapts a slog logger to the LiveKit SDK's logger.
func sdkLogger(l *slog.Logger) protoLogger.Logger {
	return protoLogger.LogRLogger(logr.FromSlogHandler(l.Handler()))
}

// leveledLogger is the SDK's logger with the method set of LiveKit's zap
// logger, so the SDK's Pion log adapter asks for the level before it
// formats a line. The plain adapter formats every debug line, and one of
// Pion's ("got new track: %+v") reads a track while Pion writes it: a data
// race for nothing. Pion's debug lines are not wanted anyway.
type leveledLogger struct {
	protoLogger.Logger
}

// ToZap implements protoLogger.ZapLogger; the adapters never write to it.
func (leveledLogger) ToZap() *zap.SugaredLogger { return zap.NewNop().Sugar() }

// ComponentLeveler implements protoLogger.ZapLogger.
func (l leveledLogger) ComponentLeveler() protoLogger.ZapComponentLeveler { return l }

// ComponentLevel is info for every component: no debug lines.
func (leveledLogger) ComponentLevel(string) zapcore.LevelEnabler { return zapcore.InfoLevel }

// Leveler implements protoLogger.ZapLogger.
func (leveledLogger) Leveler() *protoLogger.ComponentLeveler { return nil }

// WithComponentLeveler implements protoLogger.ZapLogger: levels are fixed.
func (l leveledLogger) WithComponentLeveler(*protoLogger.ComponentLeveler) protoLogger.Logger {
	return l
}

var _ protoLogger.ZapLogger = leveledLogger{}

var globalLogOnce sync.Once

// quietSDK replaces the SDK's package-wide default logger, which writes to
// the standard logger (the terminal, under the UI) and is also what its
// Pion transports log through. The first engine's logger wins: a process
// runs one call.
func quietSDK(l *slog.Logger) {
	globalLogOnce.Do(func() { lksdk.SetLogger(leveledLogger{sdkLogger(l)}) })
}
