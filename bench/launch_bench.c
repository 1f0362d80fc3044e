/*
 * launch_bench.c - the timer of bench/launch_bench.sh when hyperfine is not
 * installed: fork, exec COMMAND, wait, RUNS times (after WARMUP unmeasured
 * runs), and print the best and the median wall time in microseconds:
 *
 *   launch_bench RUNS WARMUP COMMAND ARGS...   ->   "BEST_US MEDIAN_US FAILED"
 *
 * stdout and stderr of the command go to /dev/null; a run whose status is
 * not 0 is counted in FAILED (and still timed).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static double now_us(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* One fork + exec + wait; returns the exit status (or -1). */
static int run(char **argv)
{
        pid_t p = fork();
        if (p < 0)
                return -1;
        if (p == 0) {
                int fd = open("/dev/null", O_RDWR);
                if (fd >= 0) {
                        dup2(fd, 1);
                        dup2(fd, 2);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        int st;
        if (waitpid(p, &st, 0) < 0)
                return -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
        if (argc < 4) {
                fprintf(stderr, "usage: launch_bench RUNS WARMUP COMMAND ARGS...\n");
                return 2;
        }
        int runs = atoi(argv[1]), warm = atoi(argv[2]), failed = 0;
        if (runs < 1)
                runs = 1;
        double *t = calloc((size_t)runs, sizeof *t);
        if (!t)
                return 2;
        for (int i = 0; i < warm; i++)
                run(argv + 3);
        for (int i = 0; i < runs; i++) {
                double a = now_us();
                if (run(argv + 3) != 0)
                        failed++;
                t[i] = now_us() - a;
        }
        qsort(t, (size_t)runs, sizeof *t, cmp);
        double med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
        printf("%.0f %.0f %d\n", t[0], med, failed);
        return 0;
}
