package tui

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// VerificationCode turns the DTLS certificate fingerprints of the two ends
// of a connection into four groups of four digits that both users see
// alike and can read to each other: if a server in the middle swapped a
// certificate, the codes differ. The fingerprints are normalised (trimmed,
// upper case), sorted so the order of the ends does not matter, joined by
// a newline and hashed with SHA-256; each group is two bytes of the hash,
// big-endian, modulo 10000. With only the remote fingerprint known (local
// ""), the code covers that one alone and the two users' codes differ.
func VerificationCode(local, remote string) string {
	fps := []string{normFingerprint(remote)}
	if local != "" {
		fps = append(fps, normFingerprint(local))
	}
	slices.Sort(fps)
	sum := sha256.Sum256([]byte(strings.Join(fps, "\n")))
	groups := make([]string, 4)
	for i := range groups {
		groups[i] = fmt.Sprintf("%04d", binary.BigEndian.Uint16(sum[2*i:])%10000)
	}
	return strings.Join(groups, " ")
}

func normFingerprint(fp string) string {
	return strings.ToUpper(strings.TrimSpace(fp))
}
