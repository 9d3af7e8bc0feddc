package lab

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// redis: Debian's redis.conf, but bound to every address with protected
// mode off and no password, so the lab's addresses can talk to it.
var redisSpec = daemonSpec{
	pkg:   "redis-server",
	needs: []string{"/usr/bin/redis-server", "setpriv"},
	ports: []ServicePort{tcp(6379, "redis")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("data"); err != nil {
			return nil, err
		}
		if err := s.chown("redis", "data"); err != nil {
			return nil, err
		}
		if err := s.write("redis.conf", redisConfig, 0o644); err != nil {
			return nil, err
		}
		return asUser("redis", "/usr/bin/redis-server", s.path("redis.conf")), nil
	},
}

const redisConfig = `# Debian's redis.conf, open to the lab, paths in the run directory.
bind * -::*
protected-mode no
port 6379
tcp-backlog 511
timeout 0
tcp-keepalive 300
daemonize no
supervised no
pidfile {{.Dir}}/data/redis-server.pid
loglevel notice
logfile ""
databases 16
always-show-logo no
set-proc-title yes
dbfilename dump.rdb
dir {{.Dir}}/data
appendonly no
`

// postgresBin returns the bin directory of the newest installed PostgreSQL
// and its major version.
func postgresBin() (dir, major string) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	best := -1
	for _, d := range dirs {
		m := filepath.Base(filepath.Dir(filepath.Dir(d)))
		if n, err := strconv.Atoi(m); err == nil && n > best {
			best, dir, major = n, filepath.Dir(d), m
		}
	}
	if best < 0 {
		// Not installed: LookPath on this fails with the right message.
		return "/usr/lib/postgresql/bin", ""
	}
	return dir, major
}

// postgresql: a cluster made by initdb as pg_createcluster makes it
// (peer locally, SCRAM over TCP, TLS on), listening on the lab's
// addresses, with pg_hba entries for the lab's prefixes.
func postgresSpec() daemonSpec {
	bin, major := postgresBin()
	return daemonSpec{
		pkg:   "postgresql-" + major,
		needs: []string{bin + "/postgres", bin + "/initdb", "openssl", "setpriv"},
		ports: []ServicePort{tcp(5432, "postgresql")},
		// Smart shutdown (SIGTERM) would wait for clients to leave.
		stop:  syscall.SIGINT,
		probe: map[uint16]func(net.Conn) error{5432: postgresProbe},
		setup: func(ctx context.Context, s *setup) ([]string, error) {
			if err := s.mkdirs("data", "run"); err != nil {
				return nil, err
			}
			if err := os.Chmod(s.path("data"), 0o700); err != nil {
				return nil, err
			}
			if err := os.WriteFile(s.path("pwfile"), []byte(DaemonPassword+"\n"), 0o600); err != nil {
				return nil, err
			}
			if err := s.cert(ctx); err != nil {
				return nil, err
			}
			if err := s.chown("postgres", "."); err != nil {
				return nil, err
			}
			err := s.run(ctx, asUser("postgres", bin+"/initdb", "-D", s.path("data"),
				"--auth-local=peer", "--auth-host=scram-sha-256", "--username=postgres",
				"--pwfile="+s.path("pwfile"), "--encoding=UTF8", "--locale=C.UTF-8")...)
			if err != nil {
				return nil, err
			}
			if err := s.appendTo("data/pg_hba.conf", postgresHBA); err != nil {
				return nil, err
			}
			if err := s.appendTo("data/postgresql.conf", postgresConfig); err != nil {
				return nil, err
			}
			return asUser("postgres", bin+"/postgres", "-D", s.path("data"),
				"-c", "cluster_name="+major+"/main"), nil
		},
	}
}

const postgresHBA = `
# The lab's prefixes, as a server open to its LAN.
host    all             all             198.18.0.0/15           scram-sha-256
host    all             all             fd00::/8                scram-sha-256
`

// postgresConfig changes in initdb's settings what Debian's
// pg_createcluster changes, with the lab's paths and addresses.
const postgresConfig = `
# As pg_createcluster would, with the lab's paths and addresses.
listen_addresses = '*'
port = 5432
unix_socket_directories = '{{.Dir}}/run'
external_pid_file = '{{.Dir}}/run/postgres.pid'
ssl = on
ssl_cert_file = '{{.Dir}}/cert.pem'
ssl_key_file = '{{.Dir}}/key.pem'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
`

// postgresProbe waits for a server that answers a startup message with an
// authentication request rather than "the database system is starting up".
func postgresProbe(c net.Conn) error {
	params := "user\x00postgres\x00database\x00postgres\x00\x00"
	msg := binary.BigEndian.AppendUint32(nil, uint32(8+len(params)))
	msg = binary.BigEndian.AppendUint32(msg, 3<<16) // protocol 3.0
	msg = append(msg, params...)
	if _, err := c.Write(msg); err != nil {
		return err
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return err
	}
	if b[0] != 'R' {
		return fmt.Errorf("postgresql answered %q, not an authentication request", b[0])
	}
	return nil
}

// mariadb: a data directory made by mariadb-install-db, Debian's server
// settings bound to every address, and an init file that creates an
// account for the lab's prefixes: with only local accounts a remote client
// gets error 1130 instead of the server's greeting.
var mariadbSpec = daemonSpec{
	pkg:   "mariadb-server",
	needs: []string{"/usr/sbin/mariadbd", "mariadb-install-db", "setpriv"},
	ports: []ServicePort{tcp(3306, "mysql")},
	probe: map[uint16]func(net.Conn) error{3306: mariadbProbe},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("data", "run", "tmp"); err != nil {
			return nil, err
		}
		if err := s.chown("mysql", "data", "run", "tmp"); err != nil {
			return nil, err
		}
		if err := s.write("my.cnf", mariadbConfig, 0o644); err != nil {
			return nil, err
		}
		if err := s.write("init.sql", mariadbInit, 0o644); err != nil {
			return nil, err
		}
		err := s.run(ctx, asUser("mysql", "mariadb-install-db",
			"--defaults-file="+s.path("my.cnf"), "--skip-test-db")...)
		if err != nil {
			return nil, err
		}
		return asUser("mysql", "/usr/sbin/mariadbd", "--defaults-file="+s.path("my.cnf"),
			"--init-file="+s.path("init.sql")), nil
	},
}

const mariadbConfig = `# Debian's 50-server.cnf, bound to every address, paths in the run directory.
[mysqld]
user                    = mysql
pid-file                = {{.Dir}}/run/mysqld.pid
socket                  = {{.Dir}}/run/mysqld.sock
port                    = 3306
basedir                 = /usr
datadir                 = {{.Dir}}/data
tmpdir                  = {{.Dir}}/tmp
bind-address            = *
# The lab has no DNS: no reverse lookups of clients.
skip-name-resolve
expire_logs_days        = 10
character-set-server    = utf8mb4
collation-server        = utf8mb4_general_ci
`

const mariadbInit = `CREATE USER IF NOT EXISTS '` + DaemonUser + `'@'198.18.0.0/255.254.0.0' IDENTIFIED BY '` + DaemonPassword + `';
CREATE USER IF NOT EXISTS '` + DaemonUser + `'@'fd%' IDENTIFIED BY '` + DaemonPassword + `';
`

// mariadbProbe waits for the initial handshake packet, protocol 10, and not
// an error packet.
func mariadbProbe(c net.Conn) error {
	var b [5]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return err
	}
	if b[4] != 10 {
		return fmt.Errorf("mariadb greeted with packet type %#x, not protocol 10", b[4])
	}
	return nil
}
