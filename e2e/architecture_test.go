package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rtcterm/rtcterm"

// ourImports is every package of the module and the packages of ours it
// imports (tests excluded), as go list reports them.
func ourImports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		name := short(f[0])
		if name == "e2e" {
			continue // tests only
		}
		deps := []string{}
		for _, d := range f[1:] {
			if d == module || strings.HasPrefix(d, module+"/") {
				deps = append(deps, short(d))
			}
		}
		slices.Sort(deps)
		pkgs[name] = deps
	}
	return pkgs
}

func short(p string) string {
	if p == module {
		return "main"
	}
	return strings.TrimPrefix(p, module+"/")
}

// TestImportRules checks the arrows of docs/architecture.md: libraries
// never import the wiring, rtc does not import devices, only the wiring
// imports tui, and the call and demo packages never import the CLI.
func TestImportRules(t *testing.T) {
	allowed := map[string][]string{ // library → the packages of ours it may import
		"store":      {},
		"mediacodec": {},
		"vp8enc":     {},
		"audioproc":  {},
		"netsim":     {},
		"signal":     {},
		"videoview":  {},
		"server/web": {},
		"server":     {"signal"},
		"tui":        {"store"},
		"devices":    {"audioproc", "mediacodec", "store", "vp8enc"},
		"rtc":        {"iceroute", "mediacodec", "signal", "store"},
		"lkengine":   {"iceroute", "store"},
		"iceroute":   {"store"},
	}
	for pkg, deps := range ourImports(t) {
		if ok, isLib := allowed[pkg]; isLib {
			for _, d := range deps {
				if !slices.Contains(ok, d) {
					t.Errorf("%s imports %s, which docs/architecture.md does not allow", pkg, d)
				}
			}
		}
		if (pkg == "internal/call" || pkg == "internal/demo") && slices.Contains(deps, "internal/cli") {
			t.Errorf("%s imports internal/cli", pkg)
		}
		if slices.Contains(deps, "internal/testkit") {
			t.Errorf("%s imports internal/testkit, which is for tests only", pkg)
		}
	}
}

// TestArchitectureDocListsImports: the import table in
// docs/architecture.md is what go list shows, package by package.
func TestArchitectureDocListsImports(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| `([^`]+)` \\| (.*) \\|$")
	doc := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		deps := []string{}
		for _, d := range strings.Split(m[2], ",") {
			if d = strings.Trim(strings.TrimSpace(d), "`"); d != "" && d != "—" {
				deps = append(deps, d)
			}
		}
		slices.Sort(deps)
		doc[m[1]] = deps
	}
	got := ourImports(t)
	for pkg, deps := range got {
		want, ok := doc[pkg]
		if !ok {
			t.Errorf("docs/architecture.md has no row for %s (imports %v)", pkg, deps)
			continue
		}
		if !slices.Equal(want, deps) {
			t.Errorf("%s: docs/architecture.md says %v, go list says %v", pkg, want, deps)
		}
	}
	for pkg := range doc {
		if _, ok := got[pkg]; !ok {
			t.Errorf("docs/architecture.md lists %s, which does not exist", pkg)
		}
	}
}
