package osfp

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkMatchInstalled scores one fingerprint against every entry of
// Nmap's database, which is what each host costs.
func BenchmarkMatchInstalled(b *testing.B) {
	f, err := os.Open(nmapDB)
	if err != nil {
		b.Skip(err)
	}
	db, err := ParseDB(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	fp := Compute(linuxStack().respond(t))
	b.ReportAllocs()
	for b.Loop() {
		db.Match(fp, 10)
	}
}

func BenchmarkParseInstalledDB(b *testing.B) {
	data, err := os.ReadFile(nmapDB)
	if err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseDB(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	r := linuxStack().respond(&testing.T{})
	b.ReportAllocs()
	for b.Loop() {
		Analyze(r)
	}
}
