package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/scan/osdetect"
	"github.com/picket-scanner/picket/timing"
)

// nmapOSDB is the name of Nmap's OS fingerprint database in its data
// directory.
const nmapOSDB = "nmap-os-db"

// osDetector is OS detection (-O): Nmap's probes, matched against Nmap's
// nmap-os-db with --datadir, then picket's own database.
func osDetector(o *Options, params timing.Params, rawErr error, e *env) (*osdetect.Detector, error) {
	if rawErr != nil {
		return nil, fmt.Errorf("-O sends raw packets, which this process may not (%v): %s", rawErr, privilegeHint)
	}
	own, err := osfp.Own()
	if err != nil {
		return nil, err
	}
	dbs := []*osfp.DB{own}
	if o.DataDir != "" {
		path := filepath.Join(o.DataDir, nmapOSDB)
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--datadir: %w (point it at an installed Nmap's data directory, e.g. /usr/share/nmap)", err)
		}
		db, err := osfp.ParseDB(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--datadir: %s: %w", path, err)
		}
		db.Source = path
		dbs = []*osfp.DB{db, own}
	}
	cfg := osdetect.Config{
		DBs: dbs, MaxTries: o.MaxOSTries, Guess: o.OSScanGuess, Limit: o.OSScanLimit,
		Interface: o.Interface, MinRTT: params.MinRTT, MaxRTT: params.MaxRTT, InitialRTT: params.InitialRTT,
		ScanDelay: params.ScanDelay, Insane: o.Template == 5, Version: Version, Seed: o.Seed,
	}
	if o.Verbose > 0 {
		cfg.Log = func(line string) { fmt.Fprintln(e.stderr, line) }
	}
	return osdetect.New(cfg)
}
