package all

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/probes"
)

// NmapProbesFile is the name of Nmap's probe database in its data
// directory.
const NmapProbesFile = "nmap-service-probes"

// Signatures returns the signature databases for the detector: picket's
// own, and with dataDir (--datadir) also the installed Nmap's, read at run
// time. Lines of Nmap's file that cannot be read are returned as warnings.
func Signatures(dataDir string) ([]service.Signatures, []error, error) {
	own, err := probes.Own()
	if err != nil {
		return nil, nil, err
	}
	dbs := []service.Signatures{signatures{own}}
	if dataDir == "" {
		return dbs, nil, nil
	}
	path := filepath.Join(dataDir, NmapProbesFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--datadir: %w (point it at an installed Nmap's data directory, e.g. /usr/share/nmap)", err)
	}
	defer f.Close()
	db, warnings, err := probes.Parse(f, path)
	if err != nil {
		return nil, nil, err
	}
	return append(dbs, signatures{db}), warnings, nil
}

// signatures adapts a probes.DB to the detector's interface.
type signatures struct{ db *probes.DB }

func (s signatures) Plan(port uint16, tls bool, intensity int) []service.SignatureProbe {
	ps := s.db.Probes(port, result.TCP, tls, intensity)
	out := make([]service.SignatureProbe, len(ps))
	for i, p := range ps {
		out[i] = probe{s.db, p}
	}
	return out
}

type probe struct {
	db *probes.DB
	p  *probes.Probe
}

func (p probe) Payload() []byte            { return p.p.Payload }
func (p probe) Wait() time.Duration        { return p.p.TotalWait }
func (p probe) TCPWrapped() time.Duration  { return p.p.TCPWrapped }
func (p probe) Identifies(svc string) bool { return p.p.Identifies(svc) }
func (p probe) Match(reply []byte, svc string) (service.Match, bool, bool) {
	return p.db.MatchService(p.p, reply, svc)
}
