/*
 * gen_policy.c - write a large generated policy (and the same rules as JSON)
 * for the front-end benchmark.
 *
 *   gen_policy N SEED out.osh out.json
 *
 * The rules are a deterministic mix (by SEED) of fs grants and denies, net
 * connect rules with `from` binaries and L7 blocks, and syscall rules with
 * argument conditions, the shapes real policies have.
 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long state;

static unsigned rnd(unsigned n)
{
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return (unsigned)((state >> 33) % n);
}

int main(int argc, char **argv)
{
        if (argc != 5) {
                fprintf(stderr, "usage: gen_policy N SEED out.osh out.json\n");
                return 2;
        }
        int n = atoi(argv[1]);
        state = strtoull(argv[2], NULL, 10);
        FILE *osh = fopen(argv[3], "w"), *js = fopen(argv[4], "w");
        if (!osh || !js || n < 1) {
                fprintf(stderr, "gen_policy: cannot write outputs\n");
                return 2;
        }
        int nfs = n * 4 / 10, nnet = n * 3 / 10, nsys = n - nfs - nnet;
        fprintf(osh, "# generated: %d rules, seed %s\npolicy generated {\n    fs {\n", n, argv[2]);
        fprintf(js, "{\"policy\":\"generated\",\"fs\":[\n");
        for (int i = 0; i < nfs; i++) {
                unsigned d = rnd(500), f = rnd(1000);
                const char *rights = rnd(3) == 0 ? "read, write" : "read";
                if (rnd(10) == 0) {
                        fprintf(osh, "        deny write /data/d%u/f%u;\n", d, f);
                        fprintf(js,
                                "%s{\"effect\":\"deny\",\"rights\":[\"write\"],\"path\":\"/data/"
                                "d%u/f%u\"}\n",
                                i ? "," : "", d, f);
                } else {
                        fprintf(osh, "        allow %s /data/d%u/f%u;\n", rights, d, f);
                        fprintf(js,
                                "%s{\"effect\":\"allow\",\"rights\":\"%s\",\"path\":\"/data/d%u/"
                                "f%u\"}\n",
                                i ? "," : "", rights, d, f);
                }
        }
        fprintf(osh, "    }\n    net {\n");
        fprintf(js, "],\"net\":[\n");
        for (int i = 0; i < nnet; i++) {
                unsigned h = rnd(5000), p = 1 + rnd(65000), b = rnd(20);
                if (rnd(8) == 0) {
                        fprintf(osh, "        deny connect 10.%u.%u.0/24:*;\n", rnd(256), rnd(256));
                        fprintf(js, "%s{\"effect\":\"deny\",\"cidr\":\"10.0.0.0/24\"}\n",
                                i ? "," : "");
                } else if (rnd(4) == 0) {
                        fprintf(
                            osh,
                            "        allow connect api%u.example.com:443 from /usr/bin/tool%u {\n"
                            "            allow http GET, HEAD /v1/**;\n"
                            "            deny http * /v1/admin/**;\n        }\n",
                            h, b);
                        fprintf(
                            js,
                            "%s{\"effect\":\"allow\",\"host\":\"api%u.example.com\",\"port\":443,"
                            "\"from\":[\"/usr/bin/"
                            "tool%u\"],\"http\":[{\"allow\":[\"GET\",\"HEAD\"],"
                            "\"path\":\"/v1/**\"},{\"deny\":\"*\",\"path\":\"/v1/admin/**\"}]}\n",
                            i ? "," : "", h, b);
                } else {
                        fprintf(osh, "        allow connect *.svc%u.example.org:%u;\n", h, p);
                        fprintf(js,
                                "%s{\"effect\":\"allow\",\"host\":\"*.svc%u.example.org\",\"port\":"
                                "%u}\n",
                                i ? "," : "", h, p);
                }
        }
        fprintf(osh, "    }\n    syscalls {\n        default errno(EPERM);\n");
        fprintf(js, "],\"syscalls\":{\"default\":\"errno(EPERM)\",\"rules\":[\n");
        static const char *const forms[] = {
            "allow ioctl when request == %u;", "errno(EACCES) socket when domain == %u;",
            "allow prctl when option == %u;", "log fcntl when cmd == %u && fd > 2;",
            "kill personality when persona == %u;"};
        for (int i = 0; i < nsys; i++) {
                char line[128];
                snprintf(line, sizeof(line), forms[rnd(5)], rnd(100000));
                fprintf(osh, "        %s\n", line);
                fprintf(js, "%s{\"rule\":\"%s\"}\n", i ? "," : "", line);
        }
        fprintf(osh, "    }\n    limits { memory 1GiB; pids 128; }\n}\n");
        fprintf(js, "]},\"limits\":{\"memory\":1073741824,\"pids\":128}}\n");
        fclose(osh);
        fclose(js);
        return 0;
}
