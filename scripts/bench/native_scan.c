/* The native floor for `make bench`: libbson streaming a chunks.bson(.gz) through a 1 MiB buffer
 * (bson_reader_new_from_handle; plain files read with read(2), .gz with zlib's gzread), counting chunks
 * per (collection, shard): owner = uuid unless null, else ns. Prints "<chunks> <groups> <skipped>".
 * Built by scripts/bench.py:  cc -O2 native_scan.c $(pkg-config --cflags --libs libbson-1.0) -lz */
#include <bson/bson.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BUF (1 << 20)
static char buf[BUF];
static size_t pos, len;
static int fd = -1;
static gzFile gz;

static ssize_t fill(void *handle, void *dest, size_t n) {
    (void)handle;
    if (pos == len) {
        ssize_t r = gz ? gzread(gz, buf, BUF) : read(fd, buf, BUF);
        if (r <= 0) return r;
        pos = 0; len = (size_t)r;
    }
    if (n > len - pos) n = len - pos;
    memcpy(dest, buf + pos, n);
    pos += n;
    return (ssize_t)n;
}

typedef struct { uint8_t key[160]; uint32_t klen; uint64_t chunks; } group_t;
static group_t groups[4096];
static int used[4096];
static int ngroups;

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: native_scan chunks.bson[.gz]\n"); return 64; }
    size_t plen = strlen(argv[1]);
    if (plen > 3 && !strcmp(argv[1] + plen - 3, ".gz")) { gz = gzopen(argv[1], "rb"); gzbuffer(gz, 1 << 18); }
    else fd = open(argv[1], O_RDONLY);
    if (fd < 0 && !gz) { perror(argv[1]); return 2; }
    bson_reader_t *reader = bson_reader_new_from_handle(buf, fill, NULL);
    const bson_t *doc;
    bool eof = false;
    uint64_t total = 0, skipped = 0;
    int last = -1;
    while ((doc = bson_reader_read(reader, &eof))) {
        bson_iter_t it;
        const uint8_t *owner = NULL, *shard = NULL, *ns = NULL;
        uint32_t olen = 0, slen = 0, nslen = 0;
        total++;
        if (!bson_iter_init(&it, doc)) { fprintf(stderr, "corrupt document %llu\n", (unsigned long long)total); return 2; }
        while (bson_iter_next(&it)) {
            const char *k = bson_iter_key(&it);
            if (!owner && !strcmp(k, "uuid") && BSON_ITER_HOLDS_BINARY(&it)) {
                bson_subtype_t st; bson_iter_binary(&it, &st, &olen, &owner);
            } else if (!ns && !strcmp(k, "ns") && BSON_ITER_HOLDS_UTF8(&it)) {
                ns = (const uint8_t *)bson_iter_utf8(&it, &nslen);
            } else if (!shard && !strcmp(k, "shard") && BSON_ITER_HOLDS_UTF8(&it)) {
                shard = (const uint8_t *)bson_iter_utf8(&it, &slen);
            }
        }
        if (!owner) { owner = ns; olen = nslen; }
        if (!owner || !shard || olen + slen + 1 > sizeof groups[0].key) { skipped++; continue; }
        uint8_t key[160];
        memcpy(key, owner, olen); key[olen] = 0; memcpy(key + olen + 1, shard, slen);
        uint32_t klen = olen + 1 + slen;
        if (last >= 0 && groups[last].klen == klen && !memcmp(groups[last].key, key, klen)) { groups[last].chunks++; continue; }
        uint32_t h = 2166136261u;
        for (uint32_t i = 0; i < klen; i++) h = (h ^ key[i]) * 16777619u;
        for (uint32_t i = h & 4095;; i = (i + 1) & 4095) {
            if (!used[i]) {
                if (ngroups >= 2048) { fprintf(stderr, "too many groups\n"); return 2; }
                used[i] = 1; ngroups++; memcpy(groups[i].key, key, klen); groups[i].klen = klen;
            }
            if (groups[i].klen == klen && !memcmp(groups[i].key, key, klen)) { groups[i].chunks++; last = (int)i; break; }
        }
    }
    bson_reader_destroy(reader);
    printf("%llu %d %llu\n", (unsigned long long)total, ngroups, (unsigned long long)skipped);
    return 0;
}
