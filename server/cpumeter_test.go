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
	// machine is the busy time of every CPU of the machine (/proc/stat, in
	// clock ticks): under load, backends come and go and the per-process
	// reading of PostgreSQL misses them, while machine minus self, on an
	// otherwise idle machine, is what the database and the kernel's work
	// for it cost.
	machine time.Duration
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
	c.machine = machineBusy()
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

// machineBusy is the time every CPU has spent busy since boot: the first
// line of /proc/stat without idle and iowait, in USER_HZ ticks (100 a
// second on Linux).
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	var ticks int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(string(v), 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// othersPerOp returns the CPU microseconds per operation that the rest of
// the machine (PostgreSQL, on an otherwise idle machine) used between c
// and a later reading.
func (c cpuTime) othersPerOp(later cpuTime, n int) float64 {
	return float64((later.machine-c.machine)-(later.self-c.self)) / float64(n) / 1e3
}
