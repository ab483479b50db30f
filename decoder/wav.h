/* wav.h - writing interleaved 16-bit PCM as a WAV file through libsndfile. */
#ifndef TR_WAV_H
#define TR_WAV_H

#include <stddef.h>
#include <stdint.h>

/* Writes frames frames of channels-channel 16-bit PCM at rate Hz as a
 * RIFF/WAVE file, to path if not NULL, else to fd (borrowed, left open,
 * must be seekable: a file or a memfd; written from its current offset).
 * Returns 0, TR_ERR_SYS (open/write failed; errno says why, EIO when the
 * OS did not; a file at path is then removed, never left half-written) or
 * TR_ERR_INVAL. Prints nothing (libsndfile's text at debug level only): the
 * caller names the file and strerror(errno). May block on disk I/O. */
int wav_write(const char *path, int fd, const int16_t *pcm, size_t frames,
              unsigned channels, uint32_t rate);

#endif
