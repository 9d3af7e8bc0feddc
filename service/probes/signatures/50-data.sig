# Databases, caches and message brokers.

# --- MySQL and MariaDB: the server speaks first, a protocol-10 greeting
# (3-byte length, sequence 0, 0x0a, the version NUL-terminated). MariaDB
# prefixes its version with "5.5.5-" for the sake of old clients.

probe tcp null

match mysql (?s)^.\x00\x00\x00\x0a5\.5\.5-(\d+\.\d+\.\d+)-MariaDB-([^\x00]*(?:deb|ubuntu)[^\x00]*)\x00
    product MariaDB
    version $1
    info    $2
    os      Linux
    cpe     cpe:2.3:a:mariadb:mariadb:$1
    cpe     cpe:2.3:o:linux:linux_kernel

match mysql (?s)^.\x00\x00\x00\x0a5\.5\.5-(\d+\.\d+\.\d+)-MariaDB([^\x00]*)\x00
    product MariaDB
    version $1
    cpe     cpe:2.3:a:mariadb:mariadb:$1

match mysql (?s)^.\x00\x00\x00\x0a(\d+\.\d+\.\d+)-MariaDB([^\x00]*)\x00
    product MariaDB
    version $1
    cpe     cpe:2.3:a:mariadb:mariadb:$1

match mysql (?s)^.\x00\x00\x00\x0a(\d+\.\d+\.\d+)-(\d*ubuntu[^\x00]*)\x00
    product MySQL
    version $1
    info    $2
    os      Linux
    cpe     cpe:2.3:a:oracle:mysql:$1
    cpe     cpe:2.3:o:linux:linux_kernel

match mysql (?s)^.\x00\x00\x00\x0a(\d+\.\d+\.\d+)([^\x00]*)\x00
    product MySQL
    version $1$2
    cpe     cpe:2.3:a:oracle:mysql:$1

# Error 1130 (0x046a): the client's host may not log in. The greeting is
# replaced by this error, so only the product is known.
match mysql (?s)^.\x00\x00\x00\xff\x6a\x04Host '[^']*' is not allowed to connect to this MariaDB server
    product MariaDB
    info    unauthorized
    cpe     cpe:2.3:a:mariadb:mariadb

match mysql (?s)^.\x00\x00\x00\xff\x6a\x04(?:#HY000)?Host '[^']*' is not allowed to connect to this MySQL server
    product MySQL
    info    unauthorized
    cpe     cpe:2.3:a:oracle:mysql

# Error 1040 (0x0410): too many connections.
match mysql (?s)^.\x00\x00\x00\xff\x10\x04
    info    too many connections

# --- PostgreSQL: refuses a startup message without a user.

probe tcp pg-startup

match postgresql (?s)^E\x00\x00..S[A-Z]+\x00(?:V[A-Z]+\x00)?C28000\x00M
    product PostgreSQL DB
    cpe     cpe:2.3:a:postgresql:postgresql

soft postgresql (?s)^E\x00\x00..S[A-Z]+\x00(?:V[A-Z]+\x00)?C[0-9A-Z]{5}\x00M

# --- Redis: INFO answers a bulk string of "key:value" lines; with a
# password set, or in protected mode, it refuses by name.

probe tcp redis-info

match redis (?s)^\$\d+\r\n# Server\r\nredis_version:([\d.]+)\r\n.*\r\nos:Linux
    product Redis key-value store
    version $1
    os      Linux
    cpe     cpe:2.3:a:redis:redis:$1
    cpe     cpe:2.3:o:linux:linux_kernel

match redis (?s)^\$\d+\r\n# Server\r\nredis_version:([\d.]+)\r\n
    product Redis key-value store
    version $1
    cpe     cpe:2.3:a:redis:redis:$1

match redis ^-NOAUTH Authentication required\.
    product Redis key-value store
    info    authentication required
    cpe     cpe:2.3:a:redis:redis

match redis ^-DENIED Redis is running in protected mode
    product Redis key-value store
    info    protected mode
    cpe     cpe:2.3:a:redis:redis

match redis ^-ERR unknown command 'INFO'
    info    INFO disabled

# --- Memcached

probe tcp memcached-version

match memcached ^VERSION (\d[\w.]*)\r\n
    product Memcached
    version $1
    cpe     cpe:2.3:a:memcached:memcached:$1

# memcached's text protocol answers ERROR to each empty line.
probe tcp crlf

match memcached ^ERROR\r\n(?:ERROR\r\n)*$
    product Memcached
    cpe     cpe:2.3:a:memcached:memcached

# --- AMQP brokers: Connection.Start (class 10, method 10) for 0-9-1;
# a broker that wants another version answers with its own header.

probe tcp amqp-header

match amqp (?s)^\x01\x00\x00.{4}\x00\x0a\x00\x0a\x00\x09.*\x07productS\x00\x00\x00\x08RabbitMQ.*\x07versionS\x00\x00\x00.([\d.]+)
    product RabbitMQ
    version $1
    info    AMQP 0-9
    cpe     cpe:2.3:a:vmware:rabbitmq:$1

match amqp (?s)^\x01\x00\x00.{4}\x00\x0a\x00\x0a\x00\x09
    info AMQP 0-9

match amqp ^AMQP\x00\x00\x09\x01
    info AMQP 0-9-1

match amqp ^AMQP[\x00-\x03]\x01\x00\x00
    info AMQP 1.0

# --- MQTT: CONNACK, whatever the return code.

probe tcp mqtt-connect

# Mosquitto publishes "mosquitto version X" on the retained topic
# $SYS/broker/version, to which the probe subscribes.
match mqtt (?s)^\x20\x02[\x00\x01]\x00\x90\x03\x00\x01[\x00-\x02][\x30-\x31].\x00\x13\$SYS/broker/versionmosquitto version (\d[\w.]*)
    product Eclipse Mosquitto
    version $1
    info    connection accepted
    cpe     cpe:2.3:a:eclipse:mosquitto:$1

match mqtt (?s)^\x20\x02[\x00\x01]\x00
    info connection accepted

match mqtt (?s)^\x20\x02[\x00\x01][\x04\x05]
    info authentication required

# --- ZooKeeper

probe tcp zk-srvr

match zookeeper ^Zookeeper version: (\d[\w.]*)-[0-9a-f]+, built on
    product Zookeeper
    version $1
    cpe     cpe:2.3:a:apache:zookeeper:$1

match zookeeper ^srvr is not executed because it is not in the whitelist\.
    product Zookeeper
    cpe     cpe:2.3:a:apache:zookeeper

# --- NATS: the server speaks first, an INFO line of JSON.

probe tcp null

match nats ^INFO \{[^\r\n]*"version":"(\d[\w.-]*)"
    product NATS server
    version $1
    cpe     cpe:2.3:a:linuxfoundation:nats-server:$1

# --- ClamAV

probe tcp clamd-version

match clamav ^ClamAV (\d[\w.]*)/\d+/
    product ClamAV
    version $1
    cpe     cpe:2.3:a:clamav:clamav:$1

match clamav ^ClamAV (\d[\w.]*)\x00
    product ClamAV
    version $1
    cpe     cpe:2.3:a:clamav:clamav:$1
