package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseOptions: any command line gives options or an error, never a
// panic.
func FuzzParseOptions(f *testing.F) {
	for _, s := range []string{"-sS -p- -T4 198.18.0.2", "-PS22,80 -PA -oX - --min-rate=1e3", "-v3 -d --shard 1/2", "-p", "-T", "--seed 0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		ParseOptions(strings.Fields(line))
	})
}

// FuzzReadResume: any file handed to --resume gives a command line or an
// error, never a panic.
func FuzzReadResume(f *testing.F) {
	f.Add([]byte("# picket 0.1 scan initiated Sat Nov 28 01:00:00 2026 as: picket -sS 198.18.0.2\nHost: 198.18.0.2 ()\tStatus: Up\n"))
	f.Add([]byte(`<?xml version="1.0"?><nmaprun scanner="picket" args="picket -p 22 198.18.0.0/30"><host><address addr="198.18.0.1" addrtype="ipv4"/></host>`))
	f.Add([]byte(`{"type":"run_start","args":"picket -sT 198.18.0.2"}` + "\n" + `{"type":"host","addr":"198.18.0.2"}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "resume")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := readResume(path)
		if err == nil && len(st.args) == 0 {
			t.Fatal("no error and no command line")
		}
	})
}
