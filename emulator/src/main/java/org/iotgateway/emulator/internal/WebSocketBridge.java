package org.iotgateway.emulator.internal;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
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
import io.netty.util.ReferenceCountUtil;
import org.iotgateway.emulator.EmulatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT over WebSocket: accepts the upgrade on {@code /mqtt} with any query string (AWS clients send
 * a SigV4-presigned {@code /mqtt?X-Amz-...}, which Moquette 0.17's own WebSocket listener refuses
 * because it matches the path exactly) and relays the binary frames to the broker's TCP listener.
 * The signature is not checked.
 */
final class WebSocketBridge {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketBridge.class);
    static final String PATH = "/mqtt";

    private final String host;
    private final int maxFrameBytes;
    private EventLoopGroup group;
    private Channel server;

    WebSocketBridge(String host, int maxFrameBytes) {
        this.host = host;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Binds the port (0: ephemeral) and relays to {@code targetHost:targetPort}; returns the bound port. */
    synchronized int start(int port, String targetHost, int targetPort) {
        group = new NioEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "emulator-websocket");
            t.setDaemon(true);
            return t;
        });
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(PATH)
                .subprotocols("mqtt,mqttv3.1,mqttv3.1.1")
                .checkStartsWith(true)
                .maxFramePayloadLength(maxFrameBytes)
                .handshakeTimeoutMillis(10_000)
                .build();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler(config),
                                new Relay(targetHost, targetPort));
                    }
                });
        try {
            server = b.bind(new InetSocketAddress(host, port)).sync().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            group = null;
            throw new EmulatorException("cannot bind the WebSocket listener on " + host + ":" + port + ": " + e, e);
        }
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    synchronized void stop() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            server = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            group = null;
        }
    }

    /** One WebSocket connection and its TCP connection to the broker. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final String targetHost;
        private final int targetPort;
        private final Queue<ByteBuf> early = new ArrayDeque<>();
        private Channel broker;
        private boolean connecting;

        Relay(String targetHost, int targetPort) {
            this.targetHost = targetHost;
            this.targetPort = targetPort;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                connect(ctx);
            }
            super.userEventTriggered(ctx, evt);
        }

        private void connect(ChannelHandlerContext ctx) {
            connecting = true;
            Channel ws = ctx.channel();
            ws.config().setAutoRead(false);
            new Bootstrap()
                    .group(ws.eventLoop())
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext bctx, Object msg) {
                            ws.writeAndFlush(new BinaryWebSocketFrame((ByteBuf) msg));
                            if (!ws.isWritable()) {
                                bctx.channel().config().setAutoRead(false);
                            }
                        }

                        @Override
                        public void channelWritabilityChanged(ChannelHandlerContext bctx) {
                            ws.config().setAutoRead(bctx.channel().isWritable());
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext bctx) {
                            ws.close();
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext bctx, Throwable cause) {
                            bctx.close();
                        }
                    })
                    .connect(targetHost, targetPort)
                    .addListener((ChannelFutureListener) f -> {
                        connecting = false;
                        if (!f.isSuccess()) {
                            LOG.debug("WebSocket relay cannot reach the broker: {}", f.cause().toString());
                            releaseEarly();
                            ws.close();
                            return;
                        }
                        broker = f.channel();
                        ByteBuf b;
                        while ((b = early.poll()) != null) {
                            broker.write(b);
                        }
                        broker.flush();
                        ws.config().setAutoRead(true);
                    });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
                ByteBuf content = ((io.netty.handler.codec.http.websocketx.WebSocketFrame) msg).content().retain();
                ReferenceCountUtil.release(msg);
                if (broker != null && broker.isActive()) {
                    broker.writeAndFlush(content);
                    if (!broker.isWritable()) {
                        ctx.channel().config().setAutoRead(false);
                    }
                } else if (connecting) {
                    early.add(content);
                } else {
                    content.release();
                }
            } else if (msg instanceof FullHttpRequest) {
                // not the WebSocket path
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
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (broker != null) {
                broker.config().setAutoRead(ctx.channel().isWritable());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            releaseEarly();
            if (broker != null) {
                broker.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("WebSocket connection failed: {}", cause.toString());
            ctx.close();
        }

        private void releaseEarly() {
            ByteBuf b;
            while ((b = early.poll()) != null) {
                b.release();
            }
        }
    }
}
