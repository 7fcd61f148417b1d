/** Compile-only declaration of the Eclipse Kura API package, at the version Kura 5.x exports. Never shipped. */
@Export
@Version("1.0.0")
package org.eclipse.kura.cloudconnection.subscriber;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
