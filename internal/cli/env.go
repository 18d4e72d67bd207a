package cli

import "strings"

// envDefault returns the environment variable's value when it is set, the
// fallback otherwise, so every flag can be given as RTCTERM_*.
func envDefault(env LookupEnv, key, fallback string) string {
	if v, ok := env(key); ok && v != "" {
		return v
	}
	return fallback
}

// envName is the default user name: RTCTERM_NAME, then the login name.
func envName(env LookupEnv) string {
	if v := envDefault(env, "RTCTERM_NAME", ""); v != "" {
		return v
	}
	if v, ok := env("USER"); ok && v != "" {
		return v
	}
	return "me"
}

// getenv reads env as os.Getenv does: unset is empty.
func getenv(env LookupEnv) func(string) string {
	return func(k string) string { v, _ := env(k); return v }
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set appends one value.
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}
