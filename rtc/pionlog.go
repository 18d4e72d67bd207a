package rtc

import (
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs routes Pion's internal logs into the session's slog logger at
// debug level (warnings and errors at warn), so they never write over the
// terminal UI.
type pionLogs struct{ log *slog.Logger }

// NewLogger returns the logger for one Pion subsystem.
func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) Trace(string)              {}
func (l pionLogger) Tracef(string, ...any)     {}
func (l pionLogger) Debug(msg string)          { l.log.Debug(msg) }
func (l pionLogger) Debugf(f string, a ...any) { l.log.Debug(fmt.Sprintf(f, a...)) }
func (l pionLogger) Info(msg string)           { l.log.Debug(msg) }
func (l pionLogger) Infof(f string, a ...any)  { l.log.Debug(fmt.Sprintf(f, a...)) }
func (l pionLogger) Warn(msg string)           { l.log.Warn(msg) }
func (l pionLogger) Warnf(f string, a ...any)  { l.log.Warn(fmt.Sprintf(f, a...)) }
func (l pionLogger) Error(msg string)          { l.log.Warn(msg) }
func (l pionLogger) Errorf(f string, a ...any) { l.log.Warn(fmt.Sprintf(f, a...)) }
