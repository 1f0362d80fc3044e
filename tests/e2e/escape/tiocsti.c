/* tiocsti: push a character into the controlling terminal's input queue
 * (TIOCSTI): a sandboxed process could type commands into the user's shell.
 * escape.sh runs it under script(1), so fd 0 is a pty that is the
 * controlling terminal.  The character pushed is a harmless newline.
 * 202 when the terminal is not the controlling one (then the kernel
 * refuses TIOCSTI anyway and the test would prove nothing). */
#include "escape.h"
#include <sys/ioctl.h>
#include <termios.h>
int main(void)
{
        int fd = 0;
        if (!isatty(fd)) {
                fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
                if (fd < 0)
                        esc_exit(X_SKIP, "TIOCSTI", "no terminal");
        }
        if (tcgetsid(fd) != getsid(0))
                esc_exit(X_SKIP, "TIOCSTI", "the terminal is not our controlling terminal");
        char c = '\n';
        ESC_TRY("ioctl(TIOCSTI)", ioctl(fd, TIOCSTI, &c));
}
