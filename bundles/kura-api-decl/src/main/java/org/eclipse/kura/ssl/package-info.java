/** Compile-only declaration of the Eclipse Kura API package, at the version Kura 5.x exports. Never shipped. */
@Export
@Version("2.1.0")
package org.eclipse.kura.ssl;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
