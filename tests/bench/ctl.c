/*
 * ctl.c: the i3ctl benchmark.  Without arguments it runs tests/bench/ctl.sh,
 * which starts a gateway and the test router and calls back here as
 * "ctl LABEL RUNS COMMAND..." to time one-shot commands: each run is
 * posix_spawn() to exit, timed with the monotonic clock, so the figure is
 * i3ctl's own (no shell, no date(1) in it).
 */

#include <sys/wait.h>

#include <fcntl.h>

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char	**environ;

static double
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3);
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t	 fa;
	double				*t, t0, total = 0;
	int				 i, n, st, bad = 0;
	pid_t				 pid;

	if (argc < 4) {
		execl("/bin/bash", "bash", "tests/bench/ctl.sh", (char *)NULL);
		perror("tests/bench/ctl.sh");
		return (0);
	}
	n = atoi(argv[2]);
	if (n < 1 || (t = calloc((size_t)n, sizeof *t)) == NULL)
		return (1);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (posix_spawn(&pid, argv[3], &fa, NULL, argv + 3,
		    environ) != 0) {
			perror(argv[3]);
			return (1);
		}
		if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad++;
		t[i] = now_us() - t0;
		total += t[i];
	}
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("%-24s median %6.0f us   p99 %6.0f us   total %7.0f ms for %d"
	    "%s\n", argv[1], t[(n - 1) / 2], t[(n * 99 + 99) / 100 - 1],
	    total / 1e3, n, bad ? "   (some runs failed!)" : "");
	free(t);
	return (0);
}
