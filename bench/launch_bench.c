/*
 * launch_bench.c - the timer of bench/launch_bench.sh when hyperfine is not
 * installed: fork, exec COMMAND, wait, RUNS times (after WARMUP unmeasured
 * runs), and print the best and the median wall time in microseconds:
 *
 *   launch_bench RUNS WARMUP COMMAND ARGS...   ->   "BEST_US MEDIAN_US FAILED"
 *
 * stdout and stderr of the command go to /dev/null; a run whose status is
 * not 0 is counted in FAILED (and still timed).
 *
 * Paired: what COMMAND costs beyond BASE, measured in turns (BASE, then
 * COMMAND, RUNS times, the order swapped every other time) so that both
 * see the same moment of a shared, noisy machine; prints the median and
 * the 25th and 75th percentiles of the per-turn differences:
 *
 *   launch_bench --paired RUNS WARMUP BASE -- COMMAND ARGS...
 *       ->   "MEDIAN_DIFF_US P25_US P75_US FAILED"
 *
 * LAUNCH_GAP_MS=N in the environment: an untimed pause of N ms before
 * each timed run, so that a launch is timed alone rather than beside the
 * kernel's asynchronous teardown of the one before (a network namespace
 * is dismantled by a kernel worker after its last process exits).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void gap(void)
{
        const char *g = getenv("LAUNCH_GAP_MS");
        int ms = g ? atoi(g) : 0;
        if (ms > 0)
                usleep((useconds_t)ms * 1000);
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

static double median(double *t, int n)
{
        qsort(t, (size_t)n, sizeof *t, cmp);
        return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static int paired(int argc, char **argv)
{
        if (argc < 7 || strcmp(argv[5], "--") != 0) {
                fprintf(stderr, "usage: launch_bench --paired RUNS WARMUP BASE -- COMMAND ARGS...\n");
                return 2;
        }
        int runs = atoi(argv[2]), warm = atoi(argv[3]), failed = 0;
        if (runs < 1)
                runs = 1;
        char *base[] = {argv[4], NULL}, **cmd = argv + 6;
        double *d = calloc((size_t)runs, sizeof *d);
        if (!d)
                return 2;
        for (int i = 0; i < warm; i++) {
                run(base);
                run(cmd);
        }
        for (int i = 0; i < runs; i++) {
                double tb = 0, tc = 0;
                for (int k = 0; k < 2; k++) {
                        bool is_cmd = (k == 0) == (i % 2 == 1);
                        gap();
                        double a = now_us();
                        if (run(is_cmd ? cmd : base) != 0)
                                failed++;
                        *(is_cmd ? &tc : &tb) = now_us() - a;
                }
                d[i] = tc - tb;
        }
        double med = median(d, runs);
        printf("%.0f %.0f %.0f %d\n", med, d[runs / 4], d[(3 * runs) / 4], failed);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "--paired") == 0)
                return paired(argc, argv);
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
                gap();
                double a = now_us();
                if (run(argv + 3) != 0)
                        failed++;
                t[i] = now_us() - a;
        }
        double med = median(t, runs);
        printf("%.0f %.0f %d\n", t[0], med, failed);
        return 0;
}
