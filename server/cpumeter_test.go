package server_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// cpuTime is the CPU time used so far by this process (client, service and
// baseline share it) and by the PostgreSQL server's processes. On a machine
// whose wall-clock timings drift by tens of percent between runs, CPU per
// request is the steadier measure of what each side costs, and under load
// it is what bounds throughput.
type cpuTime struct {
	self, postgres time.Duration
}

// readCPU reads both. PostgreSQL's processes are found by name in /proc and
// their run time read from schedstat (nanoseconds); a backend that exits
// between two readings takes its time with it, so measurements keep their
// connections open (see fresh).
func readCPU() cpuTime {
	var c cpuTime
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm")
		if err != nil || string(bytes.TrimSpace(comm)) != "postgres" {
			continue
		}
		stat, err := os.ReadFile(d + "/schedstat")
		if err != nil {
			continue
		}
		if f := bytes.Fields(stat); len(f) > 0 {
			if ns, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
				c.postgres += time.Duration(ns)
			}
		}
	}
	return c
}

// perOp returns the CPU microseconds per operation between c and a later reading.
func (c cpuTime) perOp(later cpuTime, n int) (self, postgres float64) {
	return float64(later.self-c.self) / float64(n) / 1e3, float64(later.postgres-c.postgres) / float64(n) / 1e3
}
