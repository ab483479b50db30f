/* wav.c - WAV output via libsndfile (RIFF/WAVE, PCM 16-bit). */
#include <errno.h>
#include <sndfile.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "decoder/wav.h"

int wav_write(const char *path, int fd, const int16_t *pcm, size_t frames,
              unsigned channels, uint32_t rate)
{
	SF_INFO info;
	SNDFILE *sf = NULL;
	int r = TR_ERR_INVAL, e = 0;

	if (!pcm || channels == 0 || rate == 0 || (!path && fd < 0))
		goto out;
	memset(&info, 0, sizeof(info));
	info.samplerate = (int)rate;
	info.channels = (int)channels;
	info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	/* the caller reports a failure with strerror(errno); libsndfile's own
	 * text ("System error : ...") says the same, so only at debug level */
	errno = 0;
	sf = path ? sf_open(path, SFM_WRITE, &info) : sf_open_fd(fd, SFM_WRITE, &info, 0);
	if (!sf) {
		e = errno ? errno : EIO;
		log_debug_f("%s: %s", path ? path : "fd", sf_strerror(NULL));
		r = TR_ERR_SYS;
		goto out;
	}
	if (frames && sf_writef_short(sf, pcm, (sf_count_t)frames) != (sf_count_t)frames) {
		e = errno ? errno : EIO;
		log_debug_f("%s: %s", path ? path : "fd", sf_strerror(sf));
		r = TR_ERR_SYS;
		goto out;
	}
	r = 0;
out:
	errno = 0;
	if (sf && sf_close(sf) != 0 && r == 0) {
		e = errno ? errno : EIO;
		r = TR_ERR_SYS;
	}
	/* a failed write leaves no short WAV behind (only a regular file:
	 * never a device such as /dev/full) */
	if (sf && r != 0 && path) {
		struct stat sb;

		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			unlink(path);
	}
	if (r == TR_ERR_SYS)
		errno = e;
	return r;
}
