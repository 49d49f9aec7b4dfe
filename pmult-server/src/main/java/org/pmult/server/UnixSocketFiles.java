package org.pmult.server;

import org.pmult.server.config.UnixSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a listening unix socket's file: a stale file left by a crashed pmult is removed, but
 * never a live socket (another pmult answering there) nor anything that is not a socket; after bind
 * the file gets the configured mode and owner; on shutdown it is removed.
 */
final class UnixSocketFiles {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketFiles.class);

    private UnixSocketFiles() {
    }

    /** Makes {@code path} bindable, or explains why it is not. */
    static void prepare(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IOException("cannot listen on unix:" + path + ": directory " + parent + " does not exist");
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new IOException("cannot listen on unix:" + path + ": the path exists and is not a socket; remove it or choose another path");
        }
        if (answers(path)) {
            throw new IOException("cannot listen on unix:" + path + ": another process is listening there (is pmult already running?)");
        }
        Files.delete(path);
        LOG.info("removed stale unix socket {}", path);
    }

    /** Applies mode and owner/group to a freshly bound socket file. */
    static void applyOptions(Path path, UnixSocketOptions options) throws IOException {
        Files.setPosixFilePermissions(path, permissions(options.mode()));
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        if (options.owner().isPresent()) {
            UserPrincipal owner = lookup.lookupPrincipalByName(options.owner().get());
            view.setOwner(owner);
        }
        if (options.group().isPresent()) {
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(options.group().get());
            view.setGroup(group);
        }
    }

    /** Removes the socket file on shutdown; a failure is logged, not thrown. */
    static void remove(Path path) {
        try {
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && isSocket(path)) {
                Files.delete(path);
            }
        } catch (IOException e) {
            LOG.warn("could not remove unix socket {}: {}", path, e.toString());
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }

    private static boolean isSocket(Path path) throws IOException {
        // Files has no isSocket; a socket is "other": not a regular file, directory or link.
        return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
    }

    private static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
