package osfp

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed db/picket-os-db.txt
var ownText string

var ownDB = sync.OnceValues(func() (*DB, error) {
	db, err := parseDB(strings.NewReader(ownText), true)
	if err != nil {
		return nil, err
	}
	db.Source = "picket"
	return db, nil
})

// Own returns picket's own reference database, written for picket from
// publicly documented stack behaviour (see db/picket-os-db.txt), in
// nmap-os-db's format plus '*' wildcards in literals. It is parsed once and
// shared; the error can only come from a broken build, and a test keeps it
// nil.
func Own() (*DB, error) { return ownDB() }
