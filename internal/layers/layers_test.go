package layers

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/picket-scanner/picket"

// levels places every package of the module. A package may import a
// project package only from a lower level, or its own ancestor folder
// (scan/syn may import scan). A new package must be placed here.
var levels = []struct {
	level    int
	prefixes []string
}{
	{0, []string{"result"}},
	{1, []string{"ports", "target", "packet", "timing", "payload"}},
	// osfp computes and matches OS fingerprints without I/O; the engines
	// that send its probes sit above it.
	{2, []string{"netio", "route", "osfp"}},
	{3, []string{"scan", "service", "script", "vuln"}},
	// The ordered list of handshakes imports every handshake package.
	{4, []string{"job", "service/all"}},
	{5, []string{"output", "history", "assess", "diff"}},
	{6, []string{"web", "internal/cli"}},
	{7, []string{"cmd/picket"}},
	// Test infrastructure, never imported by the product.
	{8, []string{"internal/lab/wan", "internal/lab/persona"}},
	{9, []string{"internal/lab"}},
	{10, []string{"internal/layers", "cmd/picket-lab", "bench"}},
}

// allowed lists the imports between packages of one level that are
// deliberate: one handshake built on another's parser, the lab's persona
// hosts on wan's TAP devices.
var allowed = map[string]bool{
	"service/httpproxy service/http":        true,
	"service/rdp service/tls":               true,
	"internal/lab/persona internal/lab/wan": true,
	// OS detection reuses the raw engine's socket filter and ARP.
	"scan/osdetect scan/raw": true,
	// Traceroute resolves next hops with the raw engine's ARP.
	"scan/trace scan/raw": true,
}

func levelOf(rel string) (int, bool) {
	best, bestLen := -1, -1
	for _, l := range levels {
		for _, p := range l.prefixes {
			if (rel == p || strings.HasPrefix(rel, p+"/")) && len(p) > bestLen {
				best, bestLen = l.level, len(p)
			}
		}
	}
	return best, best >= 0
}

// goList returns each package of the module with its non-test
// dependencies, all of them (field "Deps") or its own imports ("Imports").
func goList(t *testing.T, field string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-f", `{{.ImportPath}}{{range .`+field+`}} {{.}}{{end}}`, module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 {
			pkgs[f[0]] = f[1:]
		}
	}
	return pkgs
}

func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	return strings.CutPrefix(path, module+"/")
}

func TestLayering(t *testing.T) {
	for pkg, deps := range goList(t, "Deps") {
		r, _ := rel(pkg)
		lv, ok := levelOf(r)
		if !ok {
			t.Errorf("package %s has no level: place it in levels", r)
			continue
		}
		for _, d := range deps {
			dr, ours := rel(d)
			if !ours {
				continue
			}
			dl, ok := levelOf(dr)
			if !ok {
				continue // reported on its own
			}
			ancestor := strings.HasPrefix(r, dr+"/")
			if dl >= lv && !ancestor && !allowed[r+" "+dr] {
				t.Errorf("%s (level %d) imports %s (level %d): dependencies point down only", r, lv, dr, dl)
			}
		}
	}
}

// TestProductImports keeps test machinery out of the shipped binary
// (whatever the path), and I/O out of the codecs (their own imports: fmt
// alone brings os in).
func TestProductImports(t *testing.T) {
	deps, imports := goList(t, "Deps"), goList(t, "Imports")
	forbidden := []struct {
		pkg  string
		in   map[string][]string
		deny []string
	}{
		{"cmd/picket", deps, []string{"testing", module + "/internal/lab"}},
		{"packet", imports, []string{"os", "syscall", "golang.org/x/sys/unix", "net"}},
		{"payload", imports, []string{"os", "syscall", "golang.org/x/sys/unix", "net"}},
		{"result", imports, []string{"os", "syscall", "net"}},
	}
	for _, f := range forbidden {
		pkg, bad, pkgs := f.pkg, f.deny, f.in
		deps, ok := pkgs[module+"/"+pkg]
		if !ok {
			continue // not written yet
		}
		have := map[string]bool{}
		for _, d := range deps {
			have[d] = true
		}
		for _, b := range bad {
			if have[b] {
				t.Errorf("%s depends on %s", pkg, b)
			}
		}
	}
}
