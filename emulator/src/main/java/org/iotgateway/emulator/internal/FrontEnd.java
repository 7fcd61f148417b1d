package org.iotgateway.emulator.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.iotgateway.emulator.EmulatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners clients connect to (plain TCP, TLS with required client certificates, WebSocket on
 * {@code /mqtt} with any query string), each connection relayed to Moquette's TCP listener on the
 * loopback interface.
 *
 * <p>Why not Moquette 0.17's own listeners:
 * <ul>
 * <li>It registers the CONNACK write listener after the write, so when the write completes first its
 * "connected" flag is set by a later task, and a client whose SUBSCRIBE is read in between is
 * dropped ("SUBSCRIBE received on already closed connection"), which happens under CPU load. The
 * relay holds what a client sends after CONNECT until Moquette lists the session as connected.</li>
 * <li>It drops PUBACKs and QoS 0 messages while a connection has more than 64 KB waiting to be
 * written. The registration check raises that limit on Moquette's side (see {@link Broker}) and the
 * relay reads everything Moquette writes at once, buffering towards slow clients (up to 64 MB per
 * connection, then the client is disconnected).</li>
 * <li>Its WebSocket listener matches the path exactly and refuses the SigV4-presigned
 * {@code /mqtt?X-Amz-...} of AWS clients. The signature is not checked here either.</li>
 * </ul>
 */
final class FrontEnd {
    private static final Logger LOG = LoggerFactory.getLogger(FrontEnd.class);
    static final String WS_PATH = "/mqtt";
    private static final int CLIENT_BUFFER_LIMIT = 64 * 1024 * 1024;
    private static final long REGISTRATION_WAIT_MILLIS = 3000;

    private final String host;
    private final int maxMessageBytes;
    private final SslContext tls;
    /** Answers whether Moquette lists the client id as connected. */
    private final Predicate<String> registered;
    /** Relay's local port towards Moquette -> the client's real address. */
    private final Map<Integer, SocketAddress> clientAddresses = new ConcurrentHashMap<>();
    private final ChannelGroup channels = new DefaultChannelGroup("emulator-front-end", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup group;
    private String brokerHost;
    private int brokerPort;

    FrontEnd(String host, int maxMessageBytes, SslContext tls, Predicate<String> registered) {
        this.host = host;
        this.maxMessageBytes = maxMessageBytes;
        this.tls = tls;
        this.registered = registered;
    }

    /** Prepares relaying to Moquette at {@code brokerHost:brokerPort}. */
    synchronized void open(String brokerHost, int brokerPort) {
        this.brokerHost = brokerHost;
        this.brokerPort = brokerPort;
        group = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "emulator-listener");
            t.setDaemon(true);
            return t;
        });
    }

    /** Binds a plain TCP listener; returns the bound port. */
    int bindTcp(int port) {
        return bind(port, ch -> ch.pipeline().addLast(new ClientRelay()));
    }

    /** Binds a TLS listener that requires a client certificate; returns the bound port. */
    int bindTls(int port) {
        return bind(port, ch -> ch.pipeline().addLast(tls.newHandler(ch.alloc()), new ClientRelay()));
    }

    /** Binds a WebSocket listener on {@code /mqtt} (any query); returns the bound port. */
    int bindWebSocket(int port) {
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(WS_PATH)
                .subprotocols("mqtt,mqttv3.1,mqttv3.1.1")
                .checkStartsWith(true)
                .maxFramePayloadLength(maxMessageBytes)
                .handshakeTimeoutMillis(10_000)
                .build();
        return bind(port, ch -> ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new WebSocketServerProtocolHandler(config), new WebSocketFrames(), new ClientRelay()));
    }

    private interface Init {
        void init(SocketChannel ch);
    }

    private synchronized int bind(int port, Init init) {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(CLIENT_BUFFER_LIMIT / 2, CLIENT_BUFFER_LIMIT))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        init.init(ch);
                    }
                });
        try {
            Channel server = b.bind(new InetSocketAddress(host, port)).sync().channel();
            channels.add(server);
            return ((InetSocketAddress) server.localAddress()).getPort();
        } catch (Exception e) {
            throw new EmulatorException("cannot listen on " + host + ":" + port + ": " + e, e);
        }
    }

    /** Closes the listeners and every relayed connection. */
    synchronized void close() {
        channels.close().awaitUninterruptibly(3, TimeUnit.SECONDS);
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            group = null;
        }
        clientAddresses.clear();
    }

    /** The real address of a client Moquette sees at the relay's {@code port} on the loopback. */
    SocketAddress clientAddress(int relayPort) {
        return clientAddresses.get(relayPort);
    }

    // ------------------------------------------------------------------ WebSocket framing

    /** Binary frames in, ByteBufs out to the relay; ByteBufs from the relay out as binary frames. */
    private static final class WebSocketFrames extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
                ByteBuf content = ((io.netty.handler.codec.http.websocketx.WebSocketFrame) msg).content().retain();
                ReferenceCountUtil.release(msg);
                ctx.fireChannelRead(content);
            } else if (msg instanceof FullHttpRequest) {
                ReferenceCountUtil.release(msg);
                DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.NOT_FOUND, Unpooled.EMPTY_BUFFER);
                res.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            } else {
                // MQTT travels in binary frames only
                ReferenceCountUtil.release(msg);
                ctx.close();
            }
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf buf) {
                ctx.write(new BinaryWebSocketFrame(buf), promise);
            } else {
                ctx.write(msg, promise);
            }
        }
    }

    // ------------------------------------------------------------------ relay

    private enum Stage {
        /** Forwarding the CONNECT packet, parsing its client id. */
        CONNECT,
        /** CONNECT forwarded: hold the client's bytes until the CONNACK and the registration. */
        HOLD,
        /** Everything flows. */
        OPEN
    }

    /** One client connection and its connection to Moquette; runs on the client's event loop. */
    private final class ClientRelay extends ChannelInboundHandlerAdapter {
        /** Bytes that may go to the broker as soon as it is connected. */
        private final Queue<ByteBuf> pending = new ArrayDeque<>();
        /** What the client sent after its CONNECT, held until Moquette registered the connection. */
        private final Queue<ByteBuf> held = new ArrayDeque<>();
        private ByteBuf parse = Unpooled.buffer(64);
        private Stage stage = Stage.CONNECT;
        private long connectTotal = -1;
        private long connectSent;
        private String clientId;
        private Channel client;
        private Channel broker;
        private boolean connecting;
        private boolean connAckSeen;
        private int relayPort = -1;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            client = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (broker == null && !connecting) {
                connect();
            }
            if (stage == Stage.CONNECT) {
                buf = connectPart(buf);
                if (buf == null) {
                    return;
                }
            }
            if (stage == Stage.HOLD) {
                held.add(buf);
            } else {
                forward(buf);
            }
        }

        /** Forwards the CONNECT packet's bytes, parsing its client id; returns what follows, or null. */
        private ByteBuf connectPart(ByteBuf buf) {
            if (connectTotal < 0) {
                int room = 1024 - parse.readableBytes();
                if (room > 0) {
                    parse.writeBytes(buf, buf.readerIndex(), Math.min(room, buf.readableBytes()));
                }
                long total = connectPacketLength(parse);
                if (total == -2) {
                    // not an MQTT CONNECT: Moquette will refuse it, nothing to guard
                    stage = Stage.OPEN;
                    releaseParse();
                    return buf;
                }
                if (total >= 0) {
                    connectTotal = total;
                    clientId = parseClientId(parse);
                    releaseParse();
                }
            }
            if (connectTotal < 0) {
                connectSent += buf.readableBytes();
                forward(buf);
                return null;
            }
            long left = connectTotal - connectSent;
            if (buf.readableBytes() <= left) {
                connectSent += buf.readableBytes();
                forward(buf);
                if (connectSent == connectTotal) {
                    stage = Stage.HOLD;
                }
                return null;
            }
            forward(buf.readRetainedSlice((int) left));
            connectSent = connectTotal;
            stage = Stage.HOLD;
            return buf;
        }

        private void forward(ByteBuf buf) {
            if (broker != null && broker.isActive()) {
                broker.writeAndFlush(buf);
                if (!broker.isWritable()) {
                    client.config().setAutoRead(false);
                }
            } else {
                pending.add(buf);
            }
        }

        private void releaseParse() {
            if (parse != null) {
                parse.release();
                parse = null;
            }
        }

        private void connect() {
            connecting = true;
            new Bootstrap()
                    .group(client.eventLoop())
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new BrokerSide())
                    .connect(brokerHost, brokerPort)
                    .addListener((ChannelFutureListener) f -> {
                        connecting = false;
                        if (!f.isSuccess()) {
                            LOG.debug("Cannot reach the broker: {}", f.cause().toString());
                            client.close();
                            return;
                        }
                        broker = f.channel();
                        channels.add(broker);
                        relayPort = ((InetSocketAddress) broker.localAddress()).getPort();
                        clientAddresses.put(relayPort, client.remoteAddress());
                        if (!client.isActive()) {
                            broker.close();
                            return;
                        }
                        drain(pending);
                    });
        }

        private void drain(Queue<ByteBuf> queue) {
            ByteBuf b;
            while ((b = queue.poll()) != null) {
                broker.write(b);
            }
            broker.flush();
        }

        /** The broker's CONNACK went to the client. */
        private void connAckForwarded(boolean accepted) {
            connAckSeen = true;
            if (!accepted || clientId == null || clientId.isEmpty()) {
                open();
            } else {
                awaitRegistration(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REGISTRATION_WAIT_MILLIS));
            }
        }

        private void awaitRegistration(long deadline) {
            if (!client.isActive() || stage == Stage.OPEN) {
                return;
            }
            boolean ok;
            try {
                ok = registered.test(clientId);
            } catch (RuntimeException e) {
                ok = true;
            }
            if (ok || System.nanoTime() > deadline) {
                open();
            } else {
                client.eventLoop().schedule(() -> awaitRegistration(deadline), 1, TimeUnit.MILLISECONDS);
            }
        }

        private void open() {
            stage = Stage.OPEN;
            if (broker != null && broker.isActive()) {
                drain(held);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            releaseParse();
            release(pending);
            release(held);
            if (broker != null) {
                broker.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            if (relayPort > 0) {
                int port = relayPort;
                // Moquette may list the session a little longer
                GlobalEventExecutor.INSTANCE.schedule(() -> clientAddresses.remove(port), 5, TimeUnit.SECONDS);
            }
        }

        private void release(Queue<ByteBuf> queue) {
            ByteBuf b;
            while ((b = queue.poll()) != null) {
                b.release();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (!client.isWritable()) {
                LOG.warn("Client {} reads too slowly ({} bytes waiting): disconnecting it", clientId,
                        CLIENT_BUFFER_LIMIT);
                client.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Client connection {} failed: {}", client.remoteAddress(), cause.toString());
            ctx.close();
        }

        /** The connection to Moquette. */
        private final class BrokerSide extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext bctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                boolean first = !connAckSeen;
                boolean connAck = first && buf.readableBytes() >= 4
                        && (buf.getByte(buf.readerIndex()) & 0xF0) == 0x20;
                boolean accepted = connAck && buf.getByte(buf.readerIndex() + 3) == 0;
                // no backpressure towards Moquette: it drops messages rather than wait
                client.writeAndFlush(buf);
                if (first) {
                    // anything but a whole CONNACK first: stop guarding rather than hold forever
                    connAckForwarded(accepted && clientId != null);
                }
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext bctx) {
                client.config().setAutoRead(bctx.channel().isWritable());
            }

            @Override
            public void channelInactive(ChannelHandlerContext bctx) {
                client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext bctx, Throwable cause) {
                bctx.close();
            }
        }
    }

    // ------------------------------------------------------------------ CONNECT parsing

    /**
     * Length of the CONNECT packet (fixed header included) at the start of {@code b}; -1 when more
     * bytes are needed, -2 when it is not a CONNECT.
     */
    static long connectPacketLength(ByteBuf b) {
        int i = b.readerIndex();
        if (b.readableBytes() < 2) {
            return -1;
        }
        if ((b.getByte(i) & 0xF0) != 0x10) {
            return -2;
        }
        long remaining = 0;
        int multiplier = 1;
        for (int k = 1; k <= 4; k++) {
            if (b.readableBytes() <= k) {
                return -1;
            }
            int digit = b.getByte(i + k) & 0xFF;
            remaining += (long) (digit & 0x7F) * multiplier;
            if ((digit & 0x80) == 0) {
                return 1 + k + remaining;
            }
            multiplier *= 128;
        }
        return -2;
    }

    /** The client id of the CONNECT at the start of {@code b}, or null when it is not all there. */
    static String parseClientId(ByteBuf b) {
        int i = b.readerIndex() + 1;
        int end = b.writerIndex();
        while (i < end && (b.getByte(i) & 0x80) != 0) {
            i++;
        }
        i++; // last byte of the remaining length
        if (i + 2 > end) {
            return null;
        }
        int nameLength = b.getUnsignedShort(i);
        i += 2 + nameLength + 1 + 1 + 2; // protocol name, level, flags, keep alive
        if (i + 2 > end) {
            return null;
        }
        int idLength = b.getUnsignedShort(i);
        i += 2;
        if (i + idLength > end) {
            return null;
        }
        return b.toString(i, idLength, StandardCharsets.UTF_8);
    }
}
