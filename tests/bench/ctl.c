/*
 * ctl.c: the i3ctl benchmark: runs tests/bench/ctl.sh (latency of one-shot
 * i3ctl calls against a running gateway, and a cron-style loop).
 */

#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	execl("/bin/bash", "bash", "tests/bench/ctl.sh", (char *)NULL);
	perror("tests/bench/ctl.sh");
	return (0);
}
