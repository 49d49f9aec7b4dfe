/**
 * Macro negotiation and translation, pmult's hot-path core: which MeTA1 macros to ask smtps for, and
 * which Sendmail macros each milter gets at each stage, resolved once into slot indexes so that a
 * session never looks a macro up by name (section 10.7 of the pmilter profile).
 */
package org.pmult.server.macro;
