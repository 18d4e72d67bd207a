package signal

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// DialError is a failure to reach the signaling server at all, classified
// so the user reads what is wrong: "cannot reach host:port (connection
// refused)". Permanent failures (an unknown host, TLS against a plain
// server, an HTTP status instead of a WebSocket) will not go away by
// retrying.
type DialError struct {
	Host      string // host:port of the URL
	Reason    string // short cause, e.g. "connection refused"
	Permanent bool
	Err       error // what the dialer returned
}

func (e *DialError) Error() string { return "cannot reach " + e.Host + " (" + e.Reason + ")" }

// Unwrap returns the dialer's error.
func (e *DialError) Unwrap() error { return e.Err }

// classifyDial turns a WebSocket dial error into a DialError.
func classifyDial(rawURL string, err error) *DialError {
	host := rawURL
	if u, perr := url.Parse(rawURL); perr == nil && u.Host != "" {
		host = u.Host
	}
	d := &DialError{Host: host, Err: err}
	var dnsErr *net.DNSError
	var recErr tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	msg := err.Error()
	switch {
	case errors.As(err, &dnsErr):
		d.Reason, d.Permanent = "unknown host "+dnsErr.Name, true
	case errors.Is(err, syscall.ECONNREFUSED):
		d.Reason = "connection refused"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		d.Reason = "network unreachable"
	case errors.As(err, &recErr):
		d.Reason, d.Permanent = "it does not speak TLS: use http:// or ws://", true
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		d.Reason, d.Permanent = "its TLS certificate is not trusted: "+firstLine(certReason(err)), true
	case strings.Contains(msg, "tls: first record does not look like a TLS handshake"),
		strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		d.Reason, d.Permanent = "it does not speak TLS: use http:// or ws://", true
	case strings.Contains(msg, "expected handshake response status code 101"):
		d.Reason, d.Permanent = "no rtcterm signaling there: "+statusOf(msg), true
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		d.Reason = "timed out"
	default:
		d.Reason = firstLine(msg)
	}
	return d
}

// statusOf picks "HTTP 404" out of coder/websocket's handshake error.
func statusOf(msg string) string {
	if i := strings.LastIndex(msg, "but got "); i >= 0 {
		code := strings.Fields(msg[i+len("but got "):])
		if len(code) > 0 {
			return "HTTP " + strings.TrimRight(code[0], ":,")
		}
	}
	return "not a WebSocket endpoint"
}

func certReason(err error) string {
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) && certErr.Err != nil {
		return certErr.Err.Error()
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
