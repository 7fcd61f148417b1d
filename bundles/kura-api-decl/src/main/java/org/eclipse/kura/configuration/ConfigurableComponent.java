package org.eclipse.kura.configuration;

/** Declaration: marker of services whose configuration Kura's ConfigurationService manages. */
public interface ConfigurableComponent {
}
